// Reading and validating `.github/bumpbench.yml`. Every problem becomes a ConfigError whose lines name the
// key path and the fix (`scenarios[0].path: required`), so the CLI can print it and the App can put it on
// a failing check: never a crash.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type RepoConfig } from './schema.ts';

export const CONFIG_PATH = '.github/bumpbench.yml';

export class ConfigError extends Error {
  readonly problems: string[];
  readonly source: string;
  constructor(source: string, problems: string[]) {
    super(`${source} is not a valid bumpbench config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

/** `scenarios[0].path` from zod's path array. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatKeyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => `${formatKeyPath([...issue.path, key])}: unknown key; remove it or check its spelling (see docs/configuration.md)`)
      .join('\n');
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `${where}: required${issue.message && !/expected/i.test(issue.message) ? ` (${issue.message})` : ''}`;
  }
  return `${where}: ${issue.message}`;
}

/** Validates an already-parsed config object (e.g. from Probot's context.config()). */
export function validateConfig(data: unknown, source = CONFIG_PATH): RepoConfig {
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(source, ['(top level): must be a mapping of keys, e.g. "start: node server.js"']);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(source, parsed.error.issues.flatMap((issue) => describeIssue(issue).split('\n')));
  }
  return parsed.data;
}

/** A config is a page of YAML; anything this large is a mistake or an attack on the parser. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** Parses YAML text and validates it. YAML syntax errors name the line. */
export function parseConfigText(text: string, source = CONFIG_PATH): RepoConfig {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) {
    throw new ConfigError(source, [`(file): ${Math.round(bytes / 1024)} KiB is over the ${MAX_CONFIG_BYTES / 1024} KiB a config may have; keep it to the keys in docs/configuration.md`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]} (YAML syntax)`),
    );
  }
  let data: unknown;
  try {
    // yaml's default cap on alias expansion (100) stops "billion laughs" documents.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(source, [`(file): ${(err as Error).message} (YAML)`]);
  }
  return validateConfig(data, source);
}

export async function loadConfigFile(path: string): Promise<RepoConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(path, [`cannot read the file; check the path`]);
  }
  return parseConfigText(text, path);
}
