// What `compare` and `bisect` share: the same flags, exit codes and output. Progress on stderr, the
// markdown report on stdout, optionally the result JSON and the markdown in files.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { JobRequest } from '../model.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { runJob } from '../pipeline/run-job.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { interruptSignal, progressPrinter, reportError, UsageError, type CliIo } from './io.ts';

const OUTPUT = '[--config FILE] [--json FILE] [--markdown FILE] [--db FILE] [--data-dir DIR] [--quiet]';
export const USAGE: Record<'compare' | 'bisect', string> = {
  compare: `usage: bumpbench compare --repo DIR --base REF --head REF ${OUTPUT}`,
  bisect: `usage: bumpbench bisect --repo DIR --base REF --head REF [--package NAME] ${OUTPUT}`,
};

export function parseJobArgs(kind: 'compare' | 'bisect', args: string[]) {
  const usage = USAGE[kind];
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
        ...(kind === 'bisect' ? { package: { type: 'string' as const } } : {}),
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`);
  }
  if (!parsed.base || !parsed.head) throw new UsageError(`--base and --head are required\n${usage}`);
  if (typeof parsed.package === 'string' && parsed.package.trim() === '') {
    throw new UsageError(`--package needs a package name, e.g. --package lodash\n${usage}`);
  }
  return parsed as {
    repo: string; base: string; head: string; config?: string; json?: string; markdown?: string;
    db?: string; 'data-dir'?: string; quiet: boolean; package?: string;
  };
}

export async function runJobCommand(kind: 'compare' | 'bisect', args: string[], io: CliIo): Promise<number> {
  const interrupt = interruptSignal(io);
  try {
    const flags = parseJobArgs(kind, args);
    const request: JobRequest = {
      kind,
      repo: path.resolve(flags.repo),
      base: { ref: flags.base },
      head: { ref: flags.head },
      options: { configFile: flags.config ? path.resolve(flags.config) : undefined, package: flags.package },
    };
    const result = await runJob(request, {
      dataDir: path.resolve(flags['data-dir'] ?? defaultDataDir()),
      dbFile: flags.db ? path.resolve(flags.db) : undefined,
      onProgress: flags.quiet ? undefined : progressPrinter(io),
      signal: interrupt.signal,
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
