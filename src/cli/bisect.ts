// `bumpbench bisect --repo DIR --base REF --head REF [--package NAME] [--config FILE] [--json FILE] [--markdown FILE] [--db FILE] [--data-dir DIR]`
// Confirms the regression first (base vs head), then names the package and the first release that
// carries it. Progress (the current range and step) on stderr, the report on stdout.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderMarkdown } from '../report/markdown.ts';
import { runJob } from '../pipeline/run-job.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { interruptSignal, progressPrinter, reportError, UsageError, type CliIo } from './io.ts';

export const BISECT_USAGE = `usage: bumpbench bisect --repo DIR --base REF --head REF [--package NAME] [--config FILE] [--json FILE] [--markdown FILE] [--db FILE] [--data-dir DIR]`;

export function parseBisectArgs(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        repo: { type: 'string', default: '.' },
        base: { type: 'string' },
        head: { type: 'string' },
        package: { type: 'string' },
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
    throw new UsageError(`${(err as Error).message}\n${BISECT_USAGE}`);
  }
  if (!parsed.base || !parsed.head) throw new UsageError(`--base and --head are required\n${BISECT_USAGE}`);
  if (parsed.package !== undefined && parsed.package.trim() === '') throw new UsageError(`--package needs a package name, e.g. --package lodash\n${BISECT_USAGE}`);
  return parsed as typeof parsed & { base: string; head: string };
}

export async function runBisectCommand(args: string[], io: CliIo): Promise<number> {
  const interrupt = interruptSignal(io);
  try {
    const flags = parseBisectArgs(args);
    const dataDir = path.resolve(flags['data-dir'] ?? defaultDataDir());
    const result = await runJob(
      {
        kind: 'bisect',
        repo: path.resolve(flags.repo),
        base: { ref: flags.base },
        head: { ref: flags.head },
        options: { configFile: flags.config ? path.resolve(flags.config) : undefined, package: flags.package },
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
