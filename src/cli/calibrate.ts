// `bumpbench calibrate --repo DIR [--ref REF] [--pairs N]`: measure this runner's noise with A/A pairs.
import path from 'node:path';
import { runCalibrate } from '../pipeline/calibrate.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { parseCommandArgs, usageLine, type CommandSpec } from './command-args.ts';
import { interruptSignal, progressPrinter, reportError, UsageError, type CliIo } from './io.ts';
import { REPO_FLAG, SANDBOX_FLAGS, sandboxOptions, STORE_FLAGS } from './job-command.ts';

export const CALIBRATE_SPEC = {
  name: 'calibrate',
  summary:
    "Measures this runner's run-to-run noise with A/A pairs (the same commit against itself) and stores it for the\n" +
    "repository's identity (its remote URL, e.g. github.com/acme/api) and this runner's id (BUMPBENCH_RUNNER_ID or\n" +
    "<data-dir>/runner-id); later compares and App jobs of that repository on this runner never judge a metric\n" +
    'against less noise than this.',
  flags: {
    ...REPO_FLAG,
    ref: { type: 'string', value: 'REF', default: 'HEAD', help: 'the commit to measure against itself' },
    pairs: { type: 'string', value: 'N', help: 'A/A pairs, at least 4 (default: the larger of 10 and repeats.min)' },
    config: { type: 'string', value: 'FILE', help: 'the repo config (default: .github/bumpbench.yml at REF)' },
    ...STORE_FLAGS,
    ...SANDBOX_FLAGS,
  },
} as const satisfies CommandSpec;

export async function runCalibrateCommand(args: string[], io: CliIo): Promise<number> {
  const interrupt = interruptSignal(io);
  try {
    const parsed = parseCommandArgs(CALIBRATE_SPEC, args);
    if (parsed.help !== undefined) {
      io.stdout(parsed.help);
      return 0;
    }
    const flags = parsed.values;
    const pairs = flags.pairs === undefined ? undefined : Number(flags.pairs);
    if (pairs !== undefined && !(Number.isInteger(pairs) && pairs >= 4)) throw new UsageError(`--pairs must be a whole number >= 4\n${usageLine(CALIBRATE_SPEC)}`);
    const repo = path.resolve(flags.repo);
    const { rows, key } = await runCalibrate(
      { repo, ref: flags.ref, pairs, configFile: flags.config ? path.resolve(flags.config) : undefined },
      { dataDir: path.resolve(flags['data-dir'] ?? defaultDataDir()), dbFile: flags.db && path.resolve(flags.db), onProgress: progressPrinter(io), signal: interrupt.signal, ...sandboxOptions(flags) },
    );
    io.stdout('| Scenario | Metric | CV | Runs | Smallest change a compare can see |\n|---|---|---:|---:|---:|');
    for (const r of rows) {
      io.stdout(`| ${r.scenario} | ${r.metric} | ${(r.cv * 100).toFixed(2)}% | ${r.runs} | ${(r.minDetectable * 100).toFixed(1)}% |`);
    }
    io.stdout(`\nStored for ${key.repoId} on runner ${key.runner}; compares and App jobs of this repository on this runner now use it.`);
    return 0;
  } catch (err) {
    return reportError(err, io);
  } finally {
    interrupt.dispose();
  }
}
