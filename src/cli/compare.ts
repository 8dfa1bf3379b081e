// `bumpbench compare --repo DIR --base REF --head REF [--config FILE] [--json FILE] [--markdown FILE] [--db FILE]`
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderMarkdown } from '../report/markdown.ts';
import { runJob } from '../pipeline/run-job.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { interruptSignal, progressPrinter, reportError, UsageError, type CliIo } from './io.ts';

export const COMPARE_USAGE = `usage: bumpbench compare --repo DIR --base REF --head REF [--config FILE] [--json FILE] [--markdown FILE] [--db FILE] [--data-dir DIR]`;

export function parseCompareArgs(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        repo: { type: 'string', default: '.' },
        base: { type: 'string' },
        head: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'string' },
        markdown: { type: 'string' },
        db: { type: 'string' },
        'data-dir': { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${COMPARE_USAGE}`);
  }
  if (!parsed.base || !parsed.head) throw new UsageError(`--base and --head are required\n${COMPARE_USAGE}`);
  return parsed as typeof parsed & { base: string; head: string };
}

export async function runCompareCommand(args: string[], io: CliIo): Promise<number> {
  const interrupt = interruptSignal(io);
  try {
    const flags = parseCompareArgs(args);
    const dataDir = path.resolve(flags['data-dir'] ?? defaultDataDir());
    const result = await runJob(
      {
        kind: 'compare',
        repo: path.resolve(flags.repo),
        base: { ref: flags.base },
        head: { ref: flags.head },
        options: { configFile: flags.config ? path.resolve(flags.config) : undefined },
      },
      {
        dataDir,
        dbFile: flags.db ? path.resolve(flags.db) : undefined,
        onProgress: flags.quiet ? undefined : progressPrinter(io),
        signal: interrupt.signal,
      },
    );
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
