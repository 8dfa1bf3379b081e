// Parsing of the data languages lockfiles are written in (JSON, YAML, TOML) and zod validation of the
// result, all turning failures into a LockfileError that names the file and the line or key.
import { parseDocument } from 'yaml';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { LockfileError } from '../errors.ts';
import { keyPath, lastLine, lineOfOffset } from './text.ts';

export function parseJsonText(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (text.trim() === '') throw new LockfileError(`the file is empty (expected ${what})`, { file, cause: error });
    if (/end of JSON input/i.test(message)) {
      throw new LockfileError(`the JSON ends too early, the file looks truncated (expected ${what})`, {
        file,
        line: lastLine(text),
        cause: error,
      });
    }
    const position = /position (\d+)/.exec(message);
    const line = position ? lineOfOffset(text, Number(position[1])) : undefined;
    const detail = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    throw new LockfileError(`not valid JSON (${detail}; expected ${what})${truncationHint(text, line)}`, { file, line, cause: error });
  }
}

export function parseYamlText(text: string, file: string, what: string): unknown {
  let document;
  try {
    // uniqueKeys off: we read lockfiles, we do not police them; the last duplicate wins like in the tools.
    document = parseDocument(text, { uniqueKeys: false });
  } catch (error) {
    throw new LockfileError(`not valid YAML (expected ${what})`, { file, cause: error });
  }
  const first = document.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    const detail = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new LockfileError(`not valid YAML (${detail}; expected ${what})${truncationHint(text, line)}`, { file, line, cause: first });
  }
  try {
    // Lockfile tools write no aliases; a file that leans on them to expand into millions of nodes is an
    // attack on whoever parses it (yaml's default cap of 100 expansions per alias stops it).
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const aliases = /alias/i.test((error as Error).message);
    throw new LockfileError(aliases ? `refused: its YAML aliases expand too far for a lockfile (expected ${what})` : `not valid YAML (expected ${what})`, { file, cause: error });
  }
}

export function parseTomlText(text: string, file: string, what: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const detail = error.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
      throw new LockfileError(`not valid TOML (${detail}; expected ${what})${truncationHint(text, error.line)}`, {
        file,
        line: error.line,
        cause: error,
      });
    }
    throw new LockfileError(`not valid TOML (expected ${what})`, { file, cause: error });
  }
}

/** A syntax error on the last line usually means the file was cut short: say so. */
function truncationHint(text: string, line: number | undefined): string {
  return line !== undefined && line >= lastLine(text) ? ': the file looks truncated' : '';
}

/**
 * Validate parsed data against a zod schema. On failure the error names the key path of the first problem
 * and, when `locate` can find it, its line.
 */
export function validateData<S extends z.ZodType>(
  schema: S,
  data: unknown,
  file: string,
  what: string,
  locate?: (path: ReadonlyArray<PropertyKey>) => number | undefined,
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path as PropertyKey[];
  const key = keyPath(path);
  throw new LockfileError(`${issue.message} (not a valid ${what})`, { file, key, line: locate?.(path) });
}
