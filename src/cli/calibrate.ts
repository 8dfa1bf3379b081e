// `bumpbench calibrate --repo DIR [--ref REF] [--pairs N]`: measure this runner's noise with A/A pairs.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCalibrate } from '../pipeline/calibrate.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { interruptSignal, progressPrinter, reportError, UsageError, type CliIo } from './io.ts';

const USAGE = 'usage: bumpbench calibrate --repo DIR [--ref REF] [--pairs N] [--config FILE] [--db FILE] [--data-dir DIR]';

export async function runCalibrateCommand(args: string[], io: CliIo): Promise<number> {
  const interrupt = interruptSignal(io);
  try {
    let flags;
    try {
      flags = parseArgs({
        args,
        options: {
          repo: { type: 'string', default: '.' }, ref: { type: 'string', default: 'HEAD' }, pairs: { type: 'string' },
          config: { type: 'string' }, db: { type: 'string' }, 'data-dir': { type: 'string' },
        },
      }).values;
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n${USAGE}`);
    }
    const pairs = flags.pairs === undefined ? undefined : Number(flags.pairs);
    if (pairs !== undefined && !(Number.isInteger(pairs) && pairs >= 4)) throw new UsageError(`--pairs must be a whole number >= 4\n${USAGE}`);
    const repo = path.resolve(flags.repo);
    const rows = await runCalibrate(
      { repo, ref: flags.ref, pairs, configFile: flags.config ? path.resolve(flags.config) : undefined },
      { dataDir: path.resolve(flags['data-dir'] ?? defaultDataDir()), dbFile: flags.db && path.resolve(flags.db), onProgress: progressPrinter(io), signal: interrupt.signal },
    );
    io.stdout('| Scenario | Metric | CV | Runs | Smallest change a compare can see |\n|---|---|---:|---:|---:|');
    for (const r of rows) {
      io.stdout(`| ${r.scenario} | ${r.metric} | ${(r.cv * 100).toFixed(2)}% | ${r.runs} | ${(r.minDetectable * 100).toFixed(1)}% |`);
    }
    io.stdout(`\nStored for ${repo}; compares of this repo on this machine now use it.`);
    return 0;
  } catch (err) {
    return reportError(err, io);
  } finally {
    interrupt.dispose();
  }
}
