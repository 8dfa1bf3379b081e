// CPU by package, head against base, from synthetic profiles: named only where the measured samples
// found CPU per request moved, and only for owners that carry a real part of the change.
import { describe, expect, it } from 'vitest';
import { PackageNames, cpuHints, cpuTable, type AttributedSample } from '../../src/hints/index.ts';
import type { MetricResult, ScenarioResult } from '../../src/model.ts';
import { seededRandom } from '../stats/random.ts';
import { scenario } from './synthetic.ts';

const slug = scenario('slug', 32, 50);

/** Samples of 1 ms; each owner gets `usPerRequest` µs per response, with some jitter per bucket. */
function profile(owners: Record<string, number>, seed: number, fn = (owner: string) => `work (${owner}/index.js)`): AttributedSample[] {
  const random = seededRandom(seed);
  const out: AttributedSample[] = [];
  for (const [bucket, responses] of slug.completions) {
    for (const [owner, usPerRequest] of Object.entries(owners)) {
      const samples = Math.round((usPerRequest * responses * (0.9 + 0.2 * random())) / 1000);
      for (let i = 0; i < samples; i++) {
        out.push({ bucket, frames: [], us: 1000, owner, fn: fn(owner), site: `${owner}/index.js:3`, ...(owner.startsWith('(') ? {} : { ecosystem: 'npm' as const }) });
      }
    }
  }
  return out;
}

function measured(ratio: number, ci: [number, number]): ScenarioResult[] {
  const metric = { base: 1, head: ratio, ratio, ci, confidence: 0.99, p: 0.001, verdict: 'regression', threshold: 0.05, gated: true } as MetricResult;
  return [{ name: 'slug', verdict: 'regression', pairs: 10, metrics: { cpu_per_request: metric }, failedRuns: 0, loadGenBoundRuns: 0 }];
}

const names = () => new PackageNames([{ ecosystem: 'npm', name: 'textkit', from: '1.2.0', to: '1.9.0' }]);

describe('cpuHints', () => {
  it('attributes the added CPU per request to the package that added it', () => {
    const base = { scenarios: [slug], samples: profile({ textkit: 2000, '(app)': 400, '(gc)': 300 }, 1) };
    const head = { scenarios: [slug], samples: profile({ textkit: 6000, '(app)': 400, '(gc)': 500 }, 2) };
    const hints = cpuHints(base, head, { names: names(), measured: measured(2.3, [2.1, 2.5]) });
    expect(hints).toHaveLength(1);
    const [h] = hints;
    expect(h).toMatchObject({ kind: 'cpu', package: 'textkit', changed: true, scenario: 'slug', site: 'textkit/index.js:3' });
    expect(h.perRequest).toBeGreaterThan(3500);
    expect(h.share!).toBeGreaterThan(0.8);
    expect(h.detail).toMatch(/^`textkit` adds \d+ µs of CPU per request in `slug`/);
    expect(h.detail).toMatch(/mostly in `work` \(`textkit\/index\.js:3`\)/);
  });

  it('says nothing when the measured samples do not show CPU per request moving, however the two profiles differ', () => {
    const base = { scenarios: [slug], samples: profile({ textkit: 2000, '(app)': 400 }, 3) };
    const head = { scenarios: [slug], samples: profile({ textkit: 2600, '(app)': 400 }, 4) };
    expect(cpuHints(base, head, { names: names(), measured: measured(1.02, [0.97, 1.08]) })).toEqual([]);
  });

  it('A/A: the same profile shape on both sides gives no hint even if the measurement moved', () => {
    const base = { scenarios: [slug], samples: profile({ textkit: 2000, '(app)': 400 }, 5) };
    const head = { scenarios: [slug], samples: profile({ textkit: 2000, '(app)': 400 }, 6) };
    expect(cpuHints(base, head, { names: names(), measured: measured(1.1, [1.02, 1.2]) })).toEqual([]);
  });

  it('matches functions across versions by name and file, not line', () => {
    const base = { scenarios: [slug], samples: profile({ textkit: 2000 }, 7).map((s) => ({ ...s, site: 'textkit/slugify.js:9' })) };
    const head = { scenarios: [slug], samples: profile({ textkit: 5000 }, 8).map((s) => ({ ...s, site: 'textkit/slugify.js:18' })) };
    const [h] = cpuHints(base, head, { names: names(), measured: measured(2.5, [2.2, 2.8]) });
    const fnDelta = Number(/`work` \(`textkit\/slugify\.js:18`\) \+(\d+) µs/.exec(h.detail)![1]);
    expect(fnDelta).toBeGreaterThan(2500);
    expect(fnDelta).toBeLessThan(3500);
  });

  it('cpuTable: CPU per request by owner on both sides', () => {
    const base = { scenarios: [slug], samples: profile({ textkit: 2000, '(app)': 400 }, 9) };
    const head = { scenarios: [slug], samples: profile({ textkit: 6000, '(app)': 400 }, 10) };
    const [row] = cpuTable(base, head, names());
    expect(row.scenario).toBe('slug');
    expect(row.owners[0].name).toBe('textkit');
    expect(row.owners[0].head / row.owners[0].base).toBeGreaterThan(2.5);
  });
});

describe('cpuHints owners', () => {
  it('names packages and the app, not the runtime or GC (they stay in the figures)', () => {
    const base = { scenarios: [slug], samples: profile({ textkit: 2000, '(runtime)': 300, '(gc)': 300 }, 11) };
    const head = { scenarios: [slug], samples: profile({ textkit: 4000, '(runtime)': 2300, '(gc)': 2300 }, 12) };
    const hints = cpuHints(base, head, { names: names(), measured: measured(2.5, [2.2, 2.8]) });
    expect(hints.map((h) => h.package)).toEqual(['textkit']);
    const [row] = cpuTable(base, head, names());
    expect(row.owners.map((o) => o.name).sort()).toEqual(['(gc)', '(runtime)', 'textkit']);
  });
});
