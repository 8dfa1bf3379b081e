// Head against base by the trend of their difference, and trends read within the server lives of a soak
// resumed after restarts.
import { describe, expect, it } from 'vitest';
import { blockedMannKendall, blockedTheilSen, differenceTrend, leakTest, mannKendall, theilSenSlope, type MemorySample } from '../../src/stats/index.ts';
import { syntheticSoak } from './synthetic-soak.ts';

const soak = (leakMiBPerHour: number, seed: number, hours = 4, baseMiB = 120) => syntheticSoak({ hours, baseMiB, leakMiBPerHour, seed });

/** A soak cut into server lives: each life restarts from the baseline, the soak clock runs on. */
function resumed(leakMiBPerHour: number, seed: number, lives: number, hours: number): MemorySample[] {
  const perLife = hours / lives;
  return Array.from({ length: lives }, (_, k) =>
    soak(leakMiBPerHour, seed + k, perLife).map((s) => ({ tSec: s.tSec + k * perLife * 3600, bytes: s.bytes, segment: k })),
  ).flat();
}

describe('blocked trend statistics', () => {
  it('one block is the plain Theil-Sen and Mann-Kendall', () => {
    const y = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7];
    const t = y.map((_, i) => i);
    expect(blockedTheilSen([{ t, y }])).toBeCloseTo(theilSenSlope(t, y).slope, 12);
    expect(blockedMannKendall([y]).p).toBeCloseTo(mannKendall(y, { hamedRao: true, minVarianceFactor: 1 }).p, 12);
  });

  it('never pairs points of different blocks: two flat blocks at different levels have no trend', () => {
    const blocks = [{ t: [0, 1, 2, 3], y: [10, 10.1, 9.9, 10] }, { t: [4, 5, 6, 7], y: [50, 49.9, 50.1, 50] }];
    expect(Math.abs(blockedTheilSen(blocks))).toBeLessThan(0.2);
    expect(blockedMannKendall(blocks.map((b) => b.y)).p).toBeGreaterThan(0.5);
  });
});

describe('leakTest over server lives', () => {
  it('finds a leak in a soak resumed twice, each life starting over, and no false one in a flat soak', () => {
    const leak = leakTest(resumed(20, 40, 3, 6));
    expect(leak.leak, leak.reason).toBe(true);
    expect(leak.slopeMiBPerHour).toBeGreaterThan(15);
    expect(leak.slopeMiBPerHour).toBeLessThan(25);
    for (let seed = 200; seed < 220; seed++) {
      const flat = leakTest(resumed(0, seed * 3, 3, 6));
      expect(flat.leak, `seed ${seed}: ${flat.reason}`).toBe(false);
    }
  });

  it('drops a warm-up in every life', () => {
    // 3 lives of 2 h: each keeps 2 h − 36 min (10% of 6 h is more than 15 min) in 10-minute windows.
    const r = leakTest(resumed(0, 50, 3, 6));
    expect(r.windows).toBe(3 * 8);
  });
});

describe('differenceTrend (head − base per window)', () => {
  it('calls head growing faster than base, even when both leak', () => {
    const d = differenceTrend(soak(6, 1), soak(26, 2));
    expect(d.direction).toBe('head-grows');
    expect(d.slopeMiBPerHour).toBeGreaterThan(15);
    expect(d.slopeMiBPerHour).toBeLessThan(25);
    expect(d.reason).toMatch(/head − base grows/);
  });

  it('calls head growing slower an improvement, and the same leak on both flat', () => {
    expect(differenceTrend(soak(20, 3), soak(0, 4)).direction).toBe('head-shrinks');
    const same = differenceTrend(soak(10, 5), soak(10, 6));
    expect(same.direction).toBe('flat');
  });

  it('raises no alarm when neither side grows (30 soaks)', () => {
    for (let seed = 300; seed < 330; seed++) {
      const d = differenceTrend(soak(0, seed), soak(0, seed + 1000));
      expect(d.direction, `seed ${seed}: ${d.reason}`).toBe('flat');
    }
  });

  it('reads lives separately, and says when there are too few windows', () => {
    expect(differenceTrend(resumed(0, 60, 3, 6), resumed(20, 70, 3, 6)).direction).toBe('head-grows');
    const short = differenceTrend(soak(0, 7, 0.4), soak(50, 8, 0.4));
    expect(short.direction).toBe('unknown');
    expect(short.reason).toMatch(/only \d windows with both sides after the warm-up, need 4/);
  });
});
