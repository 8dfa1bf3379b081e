// What every command shares: how it writes, how it reports progress, and how errors become exit codes
// (0: ran, 2: bad input the user can fix, 1: failure, 130: interrupted).
import type { ProgressEvent } from '../model.ts';
import { ConfigError } from '../config/load.ts';
import { CancelledError, UserFacingError } from '../pipeline/errors.ts';
import { GitError } from '../workspace/git.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function progressPrinter(io: CliIo): (event: ProgressEvent) => void {
  const started = Date.now();
  return (event) => {
    const t = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    io.stderr(`[${t}s] ${event.phase.padEnd(8)} ${event.message}`);
  };
}

/** Maps an error to its exit code after printing a message a person can act on. */
export function reportError(err: unknown, io: CliIo): number {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof GitError) {
    io.stderr(`bumpbench: ${err.message}`);
    return 2;
  }
  if (err instanceof CancelledError) {
    io.stderr('bumpbench: cancelled; servers and worktrees were cleaned up');
    return 130;
  }
  if (err instanceof UserFacingError) {
    io.stderr(`bumpbench: ${err.message}`);
    if (err.detail) io.stderr(`--- last output ---\n${err.detail}\n---`);
    return 1;
  }
  io.stderr(`bumpbench: unexpected failure: ${(err as Error)?.stack ?? String(err)}`);
  return 1;
}

/** First Ctrl-C cancels gracefully through the signal; a second one exits at once (exit hooks still clean up). */
export function interruptSignal(io: CliIo): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr('\nbumpbench: interrupted, stopping servers and removing worktrees… (Ctrl-C again to force)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}
