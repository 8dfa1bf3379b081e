// Step: extending a stored compare instead of starting over (`--resume JOB`, `/bumpbench more`). The store
// keeps every raw sample and the verdict is a pure function of the samples, so more pairs are just more
// samples: the stored ones are carried over as they are, the new pairs are numbered after them, and the
// analysis runs on all of them. What would make the old samples a different experiment is refused — other
// commits, another way of measuring (the config digest), another runtime version.
import type { JobRequest, JobResult, RunSample, RuntimeSides } from '../model.ts';
import type { ResultsStore } from '../store/results-store.ts';
import { UserFacingError } from './errors.ts';

export interface ResumePoint {
  /** The stored result's id. */
  id: number;
  result: JobResult;
  /** Its samples, each marked with the result that measured it. */
  samples: RunSample[];
}

const short = (sha: string) => sha.slice(0, 7);

/** The stored compare to extend, checked against these commits and this way of measuring. */
export function findResumePoint(
  store: ResultsStore, request: JobRequest, commits: { base: string; head: string }, digest: string, notes: string[],
): ResumePoint {
  const asked = request.options?.resume;
  const id = asked === 'latest' ? store.findJob([request.repo], 'compare', commits.base, commits.head)?.resultId : asked;
  if (id === undefined) {
    throw new UserFacingError(
      `there is no stored compare of ${short(commits.base)} → ${short(commits.head)} here to extend (results live in ${store.file} on the machine that measured them): run a compare first (on GitHub: /bumpbench bench)`,
    );
  }
  const result = store.getResult(id);
  if (!result) throw new UserFacingError(`there is no stored result #${id} in ${store.file}: \`bumpbench compare --resume\` takes the number a compare printed ("result stored as #N")`);
  if (result.kind !== 'compare') throw new UserFacingError(`result #${id} is a ${result.kind}, not a compare: only a compare can be extended with more pairs`);
  if (result.base.sha !== commits.base || result.head.sha !== commits.head) {
    throw new UserFacingError(`result #${id} compared ${short(result.base.sha)} → ${short(result.head.sha)}, not ${short(commits.base)} → ${short(commits.head)}`);
  }
  if (!result.samples || result.samples.length === 0) throw new UserFacingError(`result #${id} has no stored samples to add to`);
  if (result.configDigest === undefined) {
    notes.push(`Result #${id} was stored without a fingerprint of its config, so whether it was measured the same way could not be checked.`);
  } else if (result.configDigest !== digest) {
    throw new UserFacingError(
      `result #${id} was measured with another config (its scenarios, start, services, login or install differ), so its samples cannot be mixed with new ones: run a new compare`,
    );
  }
  const samples = result.samples.map((s) => ({ ...s, measuredIn: s.measuredIn ?? id }));
  return { id, result, samples };
}

/** Refuses a resume whose sides would now run on other runtime versions than the stored samples did. */
export function checkResumeRuntimes(point: ResumePoint, now: RuntimeSides): void {
  const then = point.result.runtimes;
  if (!then) return;
  for (const side of ['base', 'head'] as const) {
    for (const runtime of now[side]) {
      const before = then[side].find((r) => r.kind === runtime.kind);
      if (before && (before.implementation !== runtime.implementation || before.version !== runtime.version)) {
        throw new UserFacingError(
          `result #${point.id} ran ${side} on ${before.label}; it would now run on ${runtime.label}, and samples of two runtimes cannot be mixed: run a new compare`,
        );
      }
    }
  }
}

/** Pairs by where they were measured (distinct pair numbers per result), stored results first, then this job's. */
export function pairOrigins(samples: readonly RunSample[]): { result: number | null; count: number }[] {
  const byOrigin = new Map<number | null, Set<number>>();
  for (const s of samples) {
    const origin = s.measuredIn ?? null;
    let pairs = byOrigin.get(origin);
    if (!pairs) byOrigin.set(origin, (pairs = new Set()));
    pairs.add(s.pair);
  }
  return [...byOrigin.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a - b))
    .map(([result, pairs]) => ({ result, count: pairs.size }));
}
