// What `compare`, `bisect` and `soak` share: the same flags, exit codes and output. Progress on stderr, the
// markdown report on stdout, optionally the result JSON and the markdown in files.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDurationMs } from '../config/units.ts';
import type { JobRequest } from '../model.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { parseRuntimeFlag } from '../runtimes/index.ts';
import { runJob } from '../pipeline/run-job.ts';
import { defaultDataDir, ResultsStore } from '../store/results-store.ts';
import { parseCommandArgs, usageLine, type CommandSpec, type Flags } from './command-args.ts';
import { interruptSignal, progressPrinter, reportError, UsageError, type CliIo } from './io.ts';

type JobCommand = 'compare' | 'bisect' | 'soak';

/** Where the results go: compare, bisect, soak and calibrate all store theirs. */
export const STORE_FLAGS = {
  db: { type: 'string', value: 'FILE', help: 'the results database (default: bumpbench.db in the data dir)' },
  'data-dir': { type: 'string', value: 'DIR', help: 'caches and results (default: $BUMPBENCH_DATA_DIR or ~/.bumpbench)' },
} as const satisfies Flags;
export const REPO_FLAG = { repo: { type: 'string', value: 'DIR', default: '.', help: 'the git repository' } } as const satisfies Flags;

// The flags compare, bisect and soak share; each adds at most one of its own.
const JOB_FLAGS = {
  ...REPO_FLAG,
  base: { type: 'string', value: 'REF', required: true, help: 'the commit before the upgrade (branch, tag or SHA)' },
  head: { type: 'string', value: 'REF', required: true, help: 'the commit with the upgrade' },
} as const satisfies Flags;
/** One commit on two runtimes (the CPython-or-PyPy question), or a side moved off what the repository pins. */
const RUNTIME_FLAGS = {
  'base-runtime': { type: 'string', value: 'RUNTIME', help: 'run base on this runtime, e.g. python3.11, pypy3, node22 (default: what the base commit pins)' },
  'head-runtime': { type: 'string', value: 'RUNTIME', help: 'run head on this runtime (default: what the head commit pins); --base and --head may be one commit' },
} as const satisfies Flags;
const OUTPUT_FLAGS = {
  config: { type: 'string', value: 'FILE', help: 'the repo config (default: .github/bumpbench.yml of the base commit)' },
  json: { type: 'string', value: 'FILE', help: 'also write the result JSON here (docs/result-json.md)' },
  markdown: { type: 'string', value: 'FILE', help: 'also write the markdown report here' },
  ...STORE_FLAGS,
  quiet: { type: 'boolean', default: false, help: 'no progress on stderr' },
} as const satisfies Flags;
/** How the repo's own commands run (src/sandbox/); the CLI falls back to no sandbox, with a warning, where bubblewrap cannot work. */
export const SANDBOX_FLAGS = {
  'no-sandbox': { type: 'boolean', default: false, help: "run the repo's install, build and server without the sandbox (docs/security.md)" },
  'allow-host': { type: 'string', value: 'HOSTS', help: 'hosts (host or host:port, comma-separated) installs may reach besides the public registries' },
} as const satisfies Flags;

/** The runJob options the sandbox flags ask for. */
export function sandboxOptions(flags: { 'no-sandbox'?: boolean; 'allow-host'?: string }): { sandbox: 'off' | 'preferred'; allowHosts: string[] } {
  return {
    sandbox: flags['no-sandbox'] ? 'off' : 'preferred',
    allowHosts: (flags['allow-host'] ?? '').split(',').map((h) => h.trim()).filter(Boolean),
  };
}
const NOTES =
  'Progress goes to stderr, the markdown report to stdout.\n' +
  'Exit codes: 0 ran (whatever the verdict), 2 bad input (the message says how to fix it), 1 failure,\n130 interrupted.';

export const JOB_SPECS = {
  compare: {
    name: 'compare',
    summary:
      'Measures base against head, alternating fresh servers, and prints the verdict per scenario and metric.\n' +
      'A bump of dev dependencies only is skipped (exit 0, nothing measured) unless triggers.skipDevOnly is false.\n' +
      'An inconclusive compare is extended with --resume JOB [--pairs N]: both sides are prepared again, only\n' +
      'the new pairs are measured, and every stored and new pair is analysed together (base and head: the stored ones).',
    flags: {
      ...REPO_FLAG,
      base: { ...JOB_FLAGS.base, required: false },
      head: { ...JOB_FLAGS.head, required: false },
      resume: { type: 'string', value: 'JOB', help: 'add pairs to stored compare #JOB (its number from "result stored as #N") instead of starting over' },
      pairs: { type: 'string', value: 'N', help: 'with --resume: pairs to add (default: what the open scenarios need, at most repeats.max)' },
      'measure-dev-only': { type: 'boolean', default: false, help: 'measure a bump of dev dependencies only instead of skipping it' },
      ...RUNTIME_FLAGS, ...OUTPUT_FLAGS, ...SANDBOX_FLAGS,
    },
    notes: NOTES,
  },
  bisect: {
    name: 'bisect',
    summary: 'Confirms the regression (base vs head), then names the changed package and the first release that\ncarries it (docs/bisect.md).',
    flags: { ...JOB_FLAGS, package: { type: 'string', value: 'NAME', help: 'search the releases of this package only (default: find the package first)' }, ...RUNTIME_FLAGS, ...OUTPUT_FLAGS, ...SANDBOX_FLAGS },
    notes: NOTES,
  },
  soak: {
    name: 'soak',
    summary: "Runs base and head side by side under the same steady load and says whether head's memory grows\nwhere base's does not (docs/soak.md).",
    flags: { ...JOB_FLAGS, duration: { type: 'string', value: '2h', help: 'how long, e.g. 30m or 2h (default: soak.duration of the config)' }, ...RUNTIME_FLAGS, ...OUTPUT_FLAGS, ...SANDBOX_FLAGS },
    notes: NOTES,
  },
} as const satisfies Record<JobCommand, CommandSpec>;

export interface JobFlags {
  repo: string; base: string; head: string; config?: string; json?: string; markdown?: string;
  db?: string; 'data-dir'?: string; quiet: boolean; package?: string; soakSeconds?: number;
  'no-sandbox': boolean; 'allow-host'?: string; 'base-runtime'?: string; 'head-runtime'?: string; 'measure-dev-only'?: boolean;
  /** compare --resume: the stored result to extend, and how many pairs to add. */
  resume?: number; pairs?: number;
}

/** The flags of a job command, checked; `{ help }` when it was asked for. */
export function parseJobArgs(kind: JobCommand, args: string[]): JobFlags | { help: string } {
  const spec: CommandSpec = JOB_SPECS[kind];
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help !== undefined) return { help: parsed.help };
  // JOB_SPECS[kind] declares these flags (--package only for bisect, --duration only for soak).
  const flags = parsed.values as unknown as Omit<JobFlags, 'soakSeconds'> & { duration?: string };
  if (typeof flags.package === 'string' && flags.package.trim() === '') {
    throw new UsageError(`--package needs a package name, e.g. --package lodash\n${usageLine(spec)}`);
  }
  for (const flag of ['base-runtime', 'head-runtime'] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    try {
      parseRuntimeFlag(value, `--${flag}`);
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n${usageLine(spec)}`);
    }
  }
  const resumeFlags = readResumeFlags(flags as { resume?: string; pairs?: string; base?: string; head?: string }, spec);
  let soakSeconds: number | undefined;
  if (typeof flags.duration === 'string') {
    const ms = parseDurationMs(flags.duration);
    if (ms === null || ms <= 0) throw new UsageError(`--duration "${flags.duration}" is not a duration: write e.g. 30m or 2h\n${usageLine(spec)}`);
    soakSeconds = ms / 1000;
  }
  const { duration: _duration, resume: _resume, pairs: _pairs, ...rest } = flags as typeof flags & { resume?: string; pairs?: string };
  return { ...rest, ...resumeFlags, soakSeconds };
}

/** --resume JOB and --pairs N, checked; without --resume, --base and --head are required. */
function readResumeFlags(flags: { resume?: string; pairs?: string; base?: string; head?: string }, spec: CommandSpec): { resume?: number; pairs?: number } {
  const count = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${flag} "${value}" is not a positive whole number\n${usageLine(spec)}`);
    return Number(value);
  };
  const resume = count('resume', flags.resume);
  const pairs = count('pairs', flags.pairs);
  if (pairs !== undefined && resume === undefined) throw new UsageError(`--pairs goes with --resume JOB (the stored compare to add pairs to)\n${usageLine(spec)}`);
  if (pairs !== undefined && pairs > 500) throw new UsageError(`--pairs ${pairs} is more than the 500 pairs a compare may have\n${usageLine(spec)}`);
  if (resume === undefined && (!flags.base || !flags.head)) {
    const missing = [!flags.base && '--base', !flags.head && '--head'].filter(Boolean);
    throw new UsageError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required (or --resume JOB to extend a stored compare)\n${usageLine(spec)}`);
  }
  return { ...(resume !== undefined ? { resume } : {}), ...(pairs !== undefined ? { pairs } : {}) };
}

/** The repository and commits of stored compare #id, for `--resume`. */
function storedCommits(id: number, dbFile: string, repo: string | undefined): Pick<JobRequest, 'repo' | 'base' | 'head'> {
  if (!existsSync(dbFile)) throw new UsageError(`--resume ${id}: there is no results database at ${dbFile} (--db or --data-dir name another)`);
  const store = new ResultsStore(dbFile);
  try {
    const result = store.getResultJson(id);
    if (!result) throw new UsageError(`--resume ${id}: there is no stored result #${id} in ${dbFile}`);
    return { repo: repo ?? result.repo, base: result.base, head: result.head };
  } finally {
    store.close();
  }
}

export async function runJobCommand(kind: JobCommand, args: string[], io: CliIo): Promise<number> {
  const interrupt = interruptSignal(io);
  try {
    const flags = parseJobArgs(kind, args);
    if ('help' in flags) {
      io.stdout(flags.help);
      return 0;
    }
    const dataDir = path.resolve(flags['data-dir'] ?? defaultDataDir());
    const dbFile = flags.db ? path.resolve(flags.db) : undefined;
    // A resume compares what the stored compare compared: its repository (unless --repo names another
    // clone) and its two commits.
    const stored = flags.resume !== undefined ? storedCommits(flags.resume, dbFile ?? path.join(dataDir, 'bumpbench.db'), args.some((a) => a === '--repo' || a.startsWith('--repo=')) ? path.resolve(flags.repo) : undefined) : null;
    const request: JobRequest = {
      kind,
      repo: stored?.repo ?? path.resolve(flags.repo),
      base: stored?.base ?? { ref: flags.base },
      head: stored?.head ?? { ref: flags.head },
      options: {
        configFile: flags.config ? path.resolve(flags.config) : undefined, package: flags.package, soakSeconds: flags.soakSeconds,
        baseRuntime: flags['base-runtime'], headRuntime: flags['head-runtime'],
        ...(kind === 'compare' ? { skipDevOnly: !flags['measure-dev-only'] } : {}),
        ...(flags.resume !== undefined ? { resume: flags.resume } : {}),
        ...(flags.pairs !== undefined ? { pairs: flags.pairs } : {}),
      },
    };
    const result = await runJob(request, {
      dataDir,
      dbFile,
      onProgress: flags.quiet ? undefined : progressPrinter(io),
      signal: interrupt.signal,
      ...sandboxOptions(flags),
    });
    const markdown = renderMarkdown(result);
    if (flags.json) await writeFile(flags.json, JSON.stringify(result, null, 2) + '\n');
    if (flags.markdown) await writeFile(flags.markdown, markdown + '\n');
    io.stdout(markdown);
    return 0;
  } catch (err) {
    return reportError(err, io);
  } finally {
    interrupt.dispose();
  }
}
