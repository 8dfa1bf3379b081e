// Memory growth by allocation site, from synthetic end-of-soak reports: named only on the side the soak's
// trend test calls a leak.
import { describe, expect, it } from 'vitest';
import { PackageNames, memoryHints, type ProcessObservation } from '../../src/hints/index.ts';
import type { SoakSide } from '../../src/model.ts';

const MIB = 1024 * 1024;

function soakSide(leak: boolean): SoakSide {
  return { slopeMiBPerHour: leak ? 500 : 1, p: leak ? 0.001 : 0.6, leak, samples: 100, windows: 10, baselineMiB: 50, growthMiB: leak ? 40 : 0.5, reason: '', requests: 10_000, failedRequests: 0, series: [] };
}

function proc(sites: { package: string | null; site: string; function?: string; bytes: number }[], constructors: { name: string; count: number; bytes: number }[]): ProcessObservation {
  return {
    pid: 1, runtime: 'node', version: 'v20', argv: [], done: true, memoryDone: true, problems: [],
    heapStart: { at: 0 }, heapEnd: { at: 1, sites, constructors: constructors.map((c) => ({ type: 'object', ...c })) },
  };
}

const names = () => new PackageNames([{ ecosystem: 'npm', name: 'some-cache', from: '1.0.0', to: '2.0.0' }]);

describe('memoryHints', () => {
  const base = proc([{ package: null, site: 'server.js:10', function: 'handle', bytes: 2 * MIB }], [{ name: 'Buffer', count: 1_000, bytes: 100_000 }, { name: 'Object', count: 1_000, bytes: 40_000 }]);
  const head = proc(
    [{ package: null, site: 'server.js:10', function: 'handle', bytes: 2 * MIB }, { package: 'some-cache', site: 'some-cache/index.js:88', function: 'remember', bytes: 48 * MIB }],
    [{ name: 'Buffer', count: 601_000, bytes: 50 * MIB }, { name: 'Object', count: 1_010, bytes: 40_000 }],
  );

  it('names the site head keeps more from, its package, and the objects head has more of', () => {
    const hints = memoryHints({ processes: [base], soak: soakSide(false), requests: 600_000 }, { processes: [head], soak: soakSide(true), requests: 600_000 }, { names: names() });
    expect(hints).toHaveLength(1);
    const [h] = hints;
    expect(h).toMatchObject({ kind: 'memory', package: 'some-cache', changed: true, site: 'some-cache/index.js:88', base: 0, head: 48 * MIB });
    expect(h.perRequest).toBeCloseTo((48 * MIB) / 600_000, 3);
    expect(h.confidence).toBeCloseTo(0.999, 6);
    expect(h.detail).toMatch(/^head retains 48 MiB of JavaScript heap more than base allocated by `some-cache` in function `remember` \(`some-cache\/index\.js:88`\)/);
    expect(h.detail).toMatch(/`Buffer` \+600,000 \(\+50 MiB\)/);
    // Ten more plain objects are the processes' own difference, not the leak.
    expect(h.detail).not.toMatch(/`Object`/);
  });

  it('no leak on either side: no memory hint, whatever the sites say', () => {
    expect(memoryHints({ processes: [base], soak: soakSide(false), requests: 1 }, { processes: [head], soak: soakSide(false), requests: 1 }, { names: names() })).toEqual([]);
  });

  it('the leak is on base (head fixed it): the hint says so, with a negative change per request', () => {
    const [h] = memoryHints({ processes: [head], soak: soakSide(true), requests: 1000 }, { processes: [base], soak: soakSide(false), requests: 1000 }, { names: names() });
    expect(h.perRequest).toBeLessThan(0);
    expect(h.detail).toMatch(/^base retained 48 MiB/);
  });
});
