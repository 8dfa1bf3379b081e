// The order hints are shown in: the ones about a changed package first (that is what the PR did), then
// by kind (an extra call explains time spent waiting, which CPU profiles cannot), then by confidence.
import type { Hint } from '../model.ts';

const KIND_RANK: Record<Hint['kind'], number> = { outbound: 0, cpu: 1, memory: 2 };

export function rankHints(hints: readonly Hint[]): Hint[] {
  return [...hints].sort(
    (a, b) =>
      Number(b.changed ?? false) - Number(a.changed ?? false) ||
      KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
      b.confidence - a.confidence ||
      Math.abs(b.share ?? 0) - Math.abs(a.share ?? 0),
  );
}
