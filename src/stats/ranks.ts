// Small shared helpers: average ranks with tie groups, and medians of plain arrays.

/** Ascending numeric sort of a copy (Array.prototype.sort compares as strings by default). */
export function sortedCopy(values: readonly number[]): number[] {
  return Array.from(values).sort((a, b) => a - b);
}

/** Median of an array sorted ascending (mean of the two middle values for even lengths); NaN when empty. */
export function sortedMedian(sorted: ArrayLike<number>): number {
  const len = sorted.length;
  if (len === 0) return NaN;
  const mid = len >> 1;
  return len % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median of any array (mean of the two middle values for even lengths); NaN when empty. */
export function median(values: ArrayLike<number>): number {
  return sortedMedian(Float64Array.from(values).sort());
}

/**
 * 1-based ranks, ties given the average of the ranks they span (SciPy's rankdata 'average'),
 * plus the sizes of the tie groups (only groups of 2 or more), which the variance corrections need.
 */
export function averageRanks(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(n);
  const tieGroups: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    if (j > i) tieGroups.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieGroups };
}

/** Throws a RangeError naming `what` unless every value is a finite number. */
export function assertFinite(values: readonly number[], what: string): void {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`${what} must contain only finite numbers, got ${v}`);
  }
}
