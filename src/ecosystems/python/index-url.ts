// Which package indexes pip would use for a project, in pip's precedence: `--index-url` in the
// requirements files, then PIP_INDEX_URL, then the config file PIP_CONFIG_FILE names, then a pip.conf
// in the project (or repository root), then PyPI. Extra indexes (`--extra-index-url`,
// PIP_EXTRA_INDEX_URL, `extra-index-url`) are added from every source, as pip merges them.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expandEnv } from '../shared/http.ts';
import type { EcosystemContext } from '../types.ts';
import { findRequirementFiles, logicalLines, optionOf } from './requirements-files.ts';

export const PYPI_SIMPLE = 'https://pypi.org/simple/';

export interface IndexUrls {
  primary: string;
  extra: string[];
  /** Where the primary URL came from, for messages. */
  source: string;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** `index-url` and `extra-index-url` of an INI pip config; `[install]` overrides `[global]`. */
export function parsePipConf(text: string): { index?: string; extra: string[] } {
  const sections = new Map<string, Map<string, string>>();
  let current = '';
  let lastKey: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw) || raw.trim() === '') {
      lastKey = null;
      continue;
    }
    const section = /^\s*\[([^\]]+)\]/.exec(raw);
    if (section) {
      current = section[1].trim().toLowerCase();
      lastKey = null;
      continue;
    }
    const values = sections.get(current) ?? new Map<string, string>();
    sections.set(current, values);
    if (/^\s/.test(raw) && lastKey) {
      // An indented line continues the previous value (multi-line extra-index-url).
      values.set(lastKey, `${values.get(lastKey)} ${raw.trim()}`);
      continue;
    }
    const kv = /^\s*([\w-]+)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv) continue;
    lastKey = kv[1].toLowerCase().replace(/_/g, '-');
    values.set(lastKey, kv[2].trim());
  }
  const pick = (key: string) => sections.get('install')?.get(key) ?? sections.get('global')?.get(key);
  const index = pick('index-url');
  const extra = (pick('extra-index-url') ?? '').split(/\s+/).filter(Boolean);
  return { index: index || undefined, extra };
}

function readConf(file: string): { index?: string; extra: string[] } | null {
  if (!existsSync(file)) return null;
  return parsePipConf(readFileSync(file, 'utf8'));
}

export async function findIndexUrls(ctx: Pick<EcosystemContext, 'projectDir' | 'env' | 'repoRoot'>): Promise<IndexUrls> {
  const env = ctx.env ?? {};
  const extra: string[] = [];
  let primary: { url: string; source: string } | undefined;

  for (const rel of await findRequirementFiles(ctx.projectDir, env)) {
    const text = expandEnv(await readFile(path.join(ctx.projectDir, rel), 'utf8'), env);
    for (const line of logicalLines(text)) {
      const opt = optionOf(line.text);
      if (!opt?.value) continue;
      if ((opt.option === '-i' || opt.option === '--index-url') && !primary) primary = { url: opt.value, source: rel };
      if (opt.option === '--extra-index-url') extra.push(opt.value);
    }
  }
  if (!primary && env.PIP_INDEX_URL) primary = { url: env.PIP_INDEX_URL, source: 'PIP_INDEX_URL' };
  if (env.PIP_EXTRA_INDEX_URL) extra.push(...env.PIP_EXTRA_INDEX_URL.split(/\s+/).filter(Boolean));

  const confFiles: Array<{ file: string; source: string }> = [];
  if (env.PIP_CONFIG_FILE && env.PIP_CONFIG_FILE !== '/dev/null') {
    confFiles.push({ file: path.resolve(ctx.projectDir, env.PIP_CONFIG_FILE), source: `PIP_CONFIG_FILE (${env.PIP_CONFIG_FILE})` });
  }
  confFiles.push({ file: path.join(ctx.projectDir, 'pip.conf'), source: 'pip.conf' });
  if (ctx.repoRoot) confFiles.push({ file: path.join(ctx.repoRoot, 'pip.conf'), source: 'pip.conf at the repository root' });
  for (const { file, source } of confFiles) {
    const conf = readConf(file);
    if (!conf) continue;
    if (!primary && conf.index) primary = { url: conf.index, source };
    extra.push(...conf.extra);
  }

  const chosen = primary ?? { url: PYPI_SIMPLE, source: 'default (PyPI)' };
  const primaryUrl = withSlash(chosen.url);
  return {
    primary: primaryUrl,
    extra: [...new Set(extra.map(withSlash))].filter((u) => u !== primaryUrl),
    source: chosen.source,
  };
}
