// The wall-clock budget of a job: how long it may take at most, derived from its config (the deadlines of
// its commands, how many samples it may measure, a soak's length), and capped by the operator. A job past
// its budget is stopped and fails saying so, so nothing the repository does can hold a worker for good.
import type { RepoConfig } from '../config/schema.ts';
import { parseDurationMs } from '../config/units.ts';
import type { JobRequest } from '../model.ts';

export interface JobBudget {
  ms: number;
  /** How the figure was arrived at, for the message when it runs out. */
  why: string;
}

/** The operator's cap on any job (BUMPBENCH_MAX_JOB_DURATION, e.g. "6h"); default 13 h, a 12-hour soak plus its setup. */
export function budgetCapMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = env.BUMPBENCH_MAX_JOB_DURATION ? parseDurationMs(env.BUMPBENCH_MAX_JOB_DURATION) : null;
  return ms !== null && ms > 0 ? ms : 13 * 3_600_000;
}

/** "1 h 20 min", "7 min", "45 s": a budget in words. */
export function humanDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${h} h` : `${h} h ${minutes % 60} min`;
}

/** Fetch, runtimes, lockfile reading, analysis and reporting. */
const SETUP_MS = 10 * 60_000;
/** Per scenario run beyond its own warm-up and duration: the load generator's start and slack. */
const RUN_SLACK_MS = 5_000;

/** One sample: a fresh server (up to its ready timeout), then every scenario once. */
function sampleMs(config: RepoConfig): number {
  return config.ready.timeoutMs + config.scenarios.reduce((sum, s) => sum + s.warmupMax + s.duration + RUN_SLACK_MS, 0);
}

/** Install and build of one tree, at their deadlines. */
function prepareMs(config: RepoConfig): number {
  return config.timeouts.install + (config.build ? config.timeouts.build : 0);
}

/**
 * The job's budget. A soak's duration is the one asked for (`soakSeconds`) or the config's; each resumption
 * after a restart adds one warm-up (src/pipeline/soak-resume.ts), two are allowed for.
 */
export function jobBudget(
  kind: JobRequest['kind'], config: RepoConfig, options: { soakSeconds?: number } = {}, capMs = budgetCapMs(),
): JobBudget {
  const prepare = 2 * prepareMs(config);
  const pairs = config.repeats.max * 2 * sampleMs(config);
  let parts: [string, number][];
  switch (kind) {
    case 'compare':
      parts = [['installs and builds', prepare], [`${config.repeats.max} pairs`, pairs]];
      break;
    case 'bisect': {
      // Each step installs a candidate and measures it with both ends; the confirmation and the re-check
      // measure like a compare.
      const steps = config.bisect.maxSteps;
      parts = [['installs and builds', prepare], ['confirmation and re-check', 2 * pairs], [`${steps} steps`, steps * (prepareMs(config) + pairs)]];
      break;
    }
    case 'soak': {
      const duration = options.soakSeconds !== undefined ? options.soakSeconds * 1000 : config.soak.duration;
      const warmup = Math.max(config.soak.warmup, 0.1 * duration);
      parts = [['installs and builds', prepare], ['the soak', duration + 2 * warmup + 2 * config.ready.timeoutMs]];
      break;
    }
  }
  parts.push(['setup', SETUP_MS]);
  const derived = parts.reduce((sum, [, ms]) => sum + ms, 0);
  const from = `from the config: ${parts.map(([what, ms]) => `${what} ${humanDuration(ms)}`).join(', ')}`;
  if (derived > capMs) return { ms: capMs, why: `${from}; capped at ${humanDuration(capMs)} by BUMPBENCH_MAX_JOB_DURATION` };
  return { ms: derived, why: from };
}
