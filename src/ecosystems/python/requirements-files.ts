// Reading and editing pip requirements files the way pip reads them: a trailing "\" joins lines, "#" at
// the start or after whitespace starts a comment, options (-r, -c, -i, --hash …) sit among requirements.
// Edits keep every other byte of the file as it was.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expandEnv } from '../shared/http.ts';
import { normaliseName } from './versions.ts';

export interface LogicalLine {
  /** 0-based index of the first physical line. */
  start: number;
  /** 0-based index of the last physical line (inclusive). */
  end: number;
  /** The joined text without comments, trimmed. */
  text: string;
}

export function logicalLines(text: string): LogicalLine[] {
  const physical = text.split('\n');
  const out: LogicalLine[] = [];
  let i = 0;
  while (i < physical.length) {
    const start = i;
    let joined = '';
    for (;;) {
      const line = (physical[i] ?? '').replace(/\r$/, '');
      if (line.endsWith('\\') && i + 1 < physical.length) {
        joined += `${line.slice(0, -1)} `;
        i += 1;
        continue;
      }
      joined += line;
      break;
    }
    const text = joined.replace(/(^|\s)#.*$/, '').trim();
    out.push({ start, end: i, text });
    i += 1;
  }
  return out;
}

/** `-r file`, `--requirement=file`, `-c file` … as [option, value]; null for a requirement line. */
export function optionOf(text: string): { option: string; value: string } | null {
  const match = /^(-[a-zA-Z]|--[a-z-]+)(?:\s*=\s*|\s+)?(\S*)/.exec(text);
  if (!match || !text.startsWith('-')) return null;
  return { option: match[1], value: match[2] };
}

const NAME = String.raw`[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`;
const PIN = new RegExp(String.raw`^(${NAME})(\s*(?:\[[^\]]*\])?\s*)(===?)(\s*)([^\s;,#\\]+)`);

export interface Pin {
  name: string;
  version: string;
}

/** The exact pin of a requirement line (`name[extra]==1.2.0 ; marker`), else null. */
export function pinOf(text: string): Pin | null {
  const match = PIN.exec(text);
  if (!match) return null;
  // "name==1.0,<2" is a range, not a pin.
  const rest = text.slice(match[0].length).trimStart();
  if (rest.startsWith(',')) return null;
  return { name: normaliseName(match[1]), version: match[5] };
}

/** The requirement name of a line (pinned or not), PEP 503-normalised; null for options and URLs. */
export function requirementName(text: string): string | null {
  if (!text || text.startsWith('-') || /^[a-z+]+:\/\//i.test(text) || text.startsWith('.') || text.startsWith('/')) return null;
  const match = new RegExp(`^(${NAME})`).exec(text);
  return match ? normaliseName(match[1]) : null;
}

/**
 * Rewrites the version of exact pins of `name` in `text` to `version`. When the pin carried `--hash`
 * options, they are replaced by `hashes` (or dropped when none are given: pip then fails loudly in
 * hash-checking mode rather than installing something unchecked). Returns the new text and how many
 * pins changed.
 */
export function rewritePins(text: string, name: string, version: string, hashes: string[] = []): { text: string; count: number } {
  const physical = text.split('\n');
  const target = normaliseName(name);
  let count = 0;
  const lines = logicalLines(text);
  for (let k = lines.length - 1; k >= 0; k -= 1) {
    const line = lines[k];
    const pin = pinOf(line.text);
    if (!pin || pin.name !== target) continue;
    count += 1;
    const first = physical[line.start];
    physical[line.start] = first.replace(PIN, (_all, n: string, mid: string, op: string, space: string) => `${n}${mid}${op}${space}${version}`);
    const hadHashes = /--hash[=\s]/.test(line.text);
    if (hadHashes) {
      // Drop the old hash lines/options and write the new ones as continuation lines.
      const kept: string[] = [];
      for (let i = line.start; i <= line.end; i += 1) {
        const stripped = physical[i].replace(/\s*--hash[=\s]\s*\S+/g, '').replace(/\s*\\\s*$/, '');
        if (i === line.start || stripped.trim() !== '') kept.push(stripped);
      }
      const hashLines = hashes.map((h) => `    --hash=${h}`);
      const rebuilt = [...kept, ...hashLines].map((l, i, all) => (i < all.length - 1 ? `${l} \\` : l));
      physical.splice(line.start, line.end - line.start + 1, ...rebuilt);
    }
  }
  return { text: physical.join('\n'), count };
}

/** The requirements files a project installs from: requirements.txt, requirements/*.txt and what they include. */
export async function findRequirementFiles(projectDir: string, env: Record<string, string> = {}): Promise<string[]> {
  const start: string[] = [];
  if (existsSync(path.join(projectDir, 'requirements.txt'))) start.push('requirements.txt');
  const folder = path.join(projectDir, 'requirements');
  if (existsSync(folder)) {
    for (const f of (await readdir(folder)).sort()) if (f.endsWith('.txt')) start.push(path.join('requirements', f));
  }
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const rel = queue.shift()!;
    if (seen.has(rel)) continue;
    const abs = path.join(projectDir, rel);
    if (!existsSync(abs)) continue;
    seen.add(rel);
    const text = expandEnv(await readFile(abs, 'utf8'), env);
    for (const line of logicalLines(text)) {
      const opt = optionOf(line.text);
      if (!opt || !['-r', '--requirement'].includes(opt.option) || !opt.value) continue;
      const included = path.normalize(path.join(path.dirname(rel), opt.value));
      // Never follow an include out of the project (or to a URL).
      if (!included.startsWith('..') && !path.isAbsolute(included) && !/^[a-z+]+:/i.test(opt.value)) queue.push(included);
    }
  }
  return [...seen];
}
