// What `compare`, `bisect` and `soak` share: the same flags, exit codes and output. Progress on stderr, the
// markdown report on stdout, optionally the result JSON and the markdown in files.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../config/units.ts';
import type { JobRequest } from '../model.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { runJob } from '../pipeline/run-job.ts';
import { defaultDataDir } from '../store/results-store.ts';
import { interruptSignal, progressPrinter, reportError, UsageError, type CliIo } from './io.ts';

const OUTPUT = '[--config FILE] [--json FILE] [--markdown FILE] [--db FILE] [--data-dir DIR] [--quiet]';
type JobCommand = 'compare' | 'bisect' | 'soak';

export const USAGE: Record<JobCommand, string> = {
  compare: `usage: bumpbench compare --repo DIR --base REF --head REF ${OUTPUT}`,
  bisect: `usage: bumpbench bisect --repo DIR --base REF --head REF [--package NAME] ${OUTPUT}`,
  soak: `usage: bumpbench soak --repo DIR --base REF --head REF [--duration 2h] ${OUTPUT}`,
};

export function parseJobArgs(kind: JobCommand, args: string[]) {
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
        ...(kind === 'soak' ? { duration: { type: 'string' as const } } : {}),
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
  let soakSeconds: number | undefined;
  if (typeof parsed.duration === 'string') {
    const ms = parseDurationMs(parsed.duration);
    if (ms === null || ms <= 0) throw new UsageError(`--duration "${parsed.duration}" is not a duration: write e.g. 30m or 2h\n${usage}`);
    soakSeconds = ms / 1000;
  }
  return { ...parsed, soakSeconds } as {
    repo: string; base: string; head: string; config?: string; json?: string; markdown?: string;
    db?: string; 'data-dir'?: string; quiet: boolean; package?: string; soakSeconds?: number;
  };
}

export async function runJobCommand(kind: JobCommand, args: string[], io: CliIo): Promise<number> {
  const interrupt = interruptSignal(io);
  try {
    const flags = parseJobArgs(kind, args);
    const request: JobRequest = {
      kind,
      repo: path.resolve(flags.repo),
      base: { ref: flags.base },
      head: { ref: flags.head },
      options: { configFile: flags.config ? path.resolve(flags.config) : undefined, package: flags.package, soakSeconds: flags.soakSeconds },
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
