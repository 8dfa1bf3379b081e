// Shared bits for the queue and worker tests: a payload, a result and a silent logger.
import type { JobPayload } from '../../src/jobs/queue.ts';
import type { Log } from '../../src/jobs/worker.ts';
import type { JobResult, Verdict } from '../../src/model.ts';

export function payload(kind: JobPayload['kind'] = 'compare', extra: Partial<JobPayload> = {}): JobPayload {
  return { kind, options: {}, ...extra };
}

export function fakeResult(verdict: Verdict = 'unchanged', sha = 'b'.repeat(40)): JobResult {
  const at = new Date(0).toISOString();
  return {
    kind: 'compare',
    verdict,
    repo: 'octo/app',
    base: { ref: 'main', sha: 'a'.repeat(40) },
    head: { ref: 'bump', sha },
    changes: [],
    scenarios: [],
    culprit: null,
    soak: null,
    notes: [],
    startedAt: at,
    finishedAt: at,
  };
}

export interface MemoryLog extends Log {
  lines: { level: string; msg: string; obj: unknown }[];
}

export function memoryLog(): MemoryLog {
  const lines: MemoryLog['lines'] = [];
  const make = (bindings: Record<string, unknown>): MemoryLog => {
    const at = (level: string) => (obj: object | string, msg?: string) =>
      lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? ''), obj: typeof obj === 'string' ? bindings : { ...bindings, ...obj } });
    return {
      lines,
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      debug: at('debug'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}
