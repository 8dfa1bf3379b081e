// The warm-up rule on throughput series measured here (250 ms slices): PyPy jumps after about a second,
// CPython is flat but noisy on a shared runner.
import { describe, expect, it } from 'vitest';
import { warmedUp, windowChange } from '../../src/stats/index.ts';

function warmAfter(series: number[]): number | null {
  for (let n = 1; n <= series.length; n++) if (warmedUp(series.slice(0, n))) return n;
  return null;
}

describe('warm-up rule', () => {
  it('waits for a JIT that jumps after a plateau, then stops', () => {
    const pypy = [1694, 1456, 2008, 1358, 3814, 6692, 6683, 6443, 7198, 6809, 7260, 6175, 5493, 5314];
    const n = warmAfter(pypy)!;
    expect(n).toBeGreaterThanOrEqual(9);
    expect(Math.min(...pypy.slice(n - 3, n))).toBeGreaterThan(5000);
  });

  it('settles a flat but noisy server without running into the bound', () => {
    const cpython = [727, 823, 783, 723, 629, 449, 355, 451, 745, 788, 500, 499, 612, 509, 577, 561, 519, 684, 611, 549];
    expect(warmAfter(cpython)).not.toBeNull();
    expect(warmAfter(cpython)!).toBeLessThanOrEqual(12);
    expect(warmAfter([100, 101, 99, 100, 100, 101])).toBe(6);
  });

  it('keeps going on a steady climb the noise cannot explain, and needs two windows', () => {
    expect(warmAfter([100, 110, 121, 133, 146, 161, 177, 195])).toBeNull();
    expect(windowChange([1, 2, 3, 4, 5])).toBeNull();
    expect(windowChange([0, 0, 0, 0, 0, 0])).toEqual({ change: 0, noise: 0 });
  });
});
