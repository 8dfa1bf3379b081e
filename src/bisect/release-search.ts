// Release level: the first release of one package that carries the slowdown. A noisy binary search over
// the releases from the old version (good) to the new one (bad): each probe measures the candidate with
// both ends and is judged good, bad or unknown (after the oracle's extra rounds). A release that does not
// install is skipped, neither good nor bad; an unknown one is set aside and the search goes on around it.
// When the budget runs out the narrowest range found is the answer, never a guess inside it.
import type { StepBudget } from './budget.ts';
import { judgeStep } from './position.ts';
import type { Oracle, Probe, VersionSet } from './types.ts';

export interface ReleaseSearchOptions {
  name: string;
  /** Ascending from the good end to the bad end, both ends included: [from, …between…, to]. */
  versions: string[];
  /** Other packages applied while searching (interaction partners at head's version). */
  context?: VersionSet;
  /** Positions of the two ends (0 = base, 1 = head), e.g. 0 and this package's share. */
  low: number;
  high: number;
  oracle: Oracle;
  budget: StepBudget;
  onProbe?: (probe: Probe) => void;
  onStep?: (message: string) => void;
  /**
   * Search only between these indices of `versions` (default: the whole list): a backtrack after a
   * verify step that disagreed searches again where the slowdown must then be.
   */
  range?: { good: number; bad: number };
}

export interface ReleaseSearchResult {
  lastGood: string;
  firstBad: string;
  /** True when releases between lastGood and firstBad remain that could have been measured. */
  narrowedOnly: boolean;
  /** Releases between lastGood and firstBad that did not install. */
  skipped: string[];
  /** Releases between lastGood and firstBad that stayed unclear at the maximum rounds. */
  unclear: string[];
  /** Every release that failed to install, anywhere in the range. */
  installFailures: { version: string; error: string }[];
  /** Whether some probe was judged bad (the package alone reproduces the slowdown). */
  sawBad: boolean;
  probes: number;
}

/** The candidate nearest the middle of the open range (lo, hi), so each answer halves what is left. */
function pickMiddle(candidates: number[], lo: number, hi: number): number {
  const centre = (lo + hi) / 2;
  return candidates.reduce((best, i) => (Math.abs(i - centre) < Math.abs(best - centre) ? i : best), candidates[0]);
}

export async function searchReleases(opts: ReleaseSearchOptions): Promise<ReleaseSearchResult> {
  const { versions, name } = opts;
  if (versions.length < 2) throw new Error(`a release search needs both ends (got ${versions.join(', ') || 'nothing'})`);
  let lo = opts.range?.good ?? 0;
  let hi = opts.range?.bad ?? versions.length - 1;
  if (!(lo >= 0 && hi < versions.length && lo < hi)) throw new Error(`a release search needs good < bad inside the list (got ${lo}..${hi})`);
  const skipped = new Set<number>();
  const unclear = new Set<number>();
  const installFailures: ReleaseSearchResult['installFailures'] = [];
  let sawBad = false;
  let probes = 0;
  let outOfBudget = false;
  for (;;) {
    const candidates: number[] = [];
    for (let i = lo + 1; i < hi; i++) if (!skipped.has(i) && !unclear.has(i)) candidates.push(i);
    if (candidates.length === 0) break;
    if (opts.budget.exhausted) {
      outOfBudget = true;
      break;
    }
    const mid = pickMiddle(candidates, lo, hi);
    const version = versions[mid];
    opts.onStep?.(`${name}: between ${versions[lo]} (good) and ${versions[hi]} (bad), ${candidates.length} untried; trying ${version}`);
    const probe = await opts.oracle.probe({ ...opts.context, [name]: version }, `${name} ${version}`, (p) => judgeStep(p, opts.low, opts.high));
    probe.kind = 'release';
    opts.onProbe?.(probe);
    if (!probe.position) {
      skipped.add(mid);
      installFailures.push({ version, error: probe.installError ?? 'install failed' });
      continue;
    }
    opts.budget.charge();
    probes++;
    const decision = judgeStep(probe.position, opts.low, opts.high);
    if (decision === 'bad') {
      hi = mid;
      sawBad = true;
    } else if (decision === 'good') lo = mid;
    else unclear.add(mid);
  }
  const inside = (set: Set<number>) => [...set].filter((i) => i > lo && i < hi).sort((a, b) => a - b).map((i) => versions[i]);
  const unclearInside = inside(unclear);
  return {
    lastGood: versions[lo],
    firstBad: versions[hi],
    narrowedOnly: outOfBudget || unclearInside.length > 0,
    skipped: inside(skipped),
    unclear: unclearInside,
    installFailures,
    sawBad,
    probes,
  };
}
