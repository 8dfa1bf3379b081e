import { describe, expect, it } from 'vitest';
import { minSoakMs, shortDuration, soakTooShort, WINDOWS_NEEDED } from '../../src/bench/soak-plan.ts';

const DEFAULTS = { warmup: 900_000, window: 600_000, sampleEvery: 5_000 };

describe('soak plan', () => {
  it('the default config needs 76 minutes: 15 min of warm-up, 6 windows of 10 min and two sample intervals', () => {
    // 6 windows: the fewest with which Mann-Kendall can reach p < 0.01 at all (4 give p = 0.09 at best).
    expect(WINDOWS_NEEDED).toBe(6);
    expect(minSoakMs(DEFAULTS)).toBe(76 * 60_000);
    expect(soakTooShort(2 * 3_600_000, DEFAULTS)).toBeNull();
  });

  it('refuses `/bumpbench soak 30m` with the length it needs and how to get a shorter one', () => {
    expect(soakTooShort(30 * 60_000, DEFAULTS)).toBe(
      'a soak of 30m cannot reach a verdict: after its warm-up (15m) the trend test needs 6 windows of 10m, so the soak must last at least 1h16m. ' +
        'Ask for 1h16m or more, or shorten `soak.warmup` and `soak.window` in .github/bumpbench.yml (docs/soak.md)',
    );
  });

  it('a long soak is bound by 10% of its length instead', () => {
    // No configured warm-up: 6 windows must fit in 90% of the soak.
    expect(minSoakMs({ warmup: 0, window: 600_000, sampleEvery: 5_000 })).toBe(Math.ceil((3_610_000 / 0.9) / 60_000) * 60_000);
    expect(minSoakMs({ warmup: 5_000, window: 1_000, sampleEvery: 500 })).toBe(12_000);
  });

  it('writes durations the way commands take them', () => {
    expect([shortDuration(56 * 60_000), shortDuration(90 * 60_000), shortDuration(40_000), shortDuration(3_600_000)]).toEqual(['56m', '1h30m', '40s', '1h']);
  });
});
