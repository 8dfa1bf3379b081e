// The one error this module throws on purpose. Its message always names the file and, when we know it,
// the line or key, so a user can open the file and see what is wrong. Raw parser errors
// (SyntaxError, YAMLParseError, TomlError, zod issues) are turned into this, never re-thrown.

export type LockfileErrorCode = 'corrupt' | 'unknown-format' | 'unreadable';

export interface LockfileErrorDetails {
  file: string;
  code?: LockfileErrorCode;
  /** 1-based line of the problem. */
  line?: number;
  /** Key path of the problem, e.g. `packages["node_modules/foo"].version`. */
  key?: string;
  cause?: unknown;
}

export class LockfileError extends Error {
  readonly file: string;
  readonly code: LockfileErrorCode;
  readonly line?: number;
  readonly key?: string;

  constructor(problem: string, details: LockfileErrorDetails) {
    super(formatMessage(problem, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LockfileError';
    this.file = details.file;
    this.code = details.code ?? 'corrupt';
    this.line = details.line;
    this.key = details.key;
  }
}

function formatMessage(problem: string, { file, line, key }: LockfileErrorDetails): string {
  const where = [line !== undefined ? `line ${line}` : null, key !== undefined ? `at ${key}` : null]
    .filter((part) => part !== null)
    .join(', ');
  return where ? `${file} (${where}): ${problem}` : `${file}: ${problem}`;
}

export function isLockfileError(error: unknown): error is LockfileError {
  return error instanceof LockfileError;
}
