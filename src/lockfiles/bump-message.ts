// What a bot says it bumped. Dependabot and Renovate PR titles, bodies and commit messages name the
// packages and versions of an update; we read them as hints and compare them with the lockfile diff, which
// stays the truth (messages go stale: a rebased PR keeps its old title, a trailer can name another version).
// The text is untrusted and free-form: nothing here throws, unreadable parts are skipped.
import { parse as parseYaml } from 'yaml';
import type { Change, PackageSource } from '../model.ts';
import { changeLabels } from './change-text.ts';
import { normalisePypiName } from './shared/names.ts';

export type HintSource = 'title' | 'body' | 'table' | 'trailer';

export interface BumpHint {
  /** The package name as written; for a group hint the group's name ("vitest", "aws-sdk-js-v3"). */
  name: string;
  /** null when the message does not say. A Renovate "to v4" gives to "4" (a major only). */
  from: string | null;
  to: string | null;
  /** The name is a group of packages (a Renovate monorepo or group), not one package. */
  group?: boolean;
  /** "/backend" for "... in /backend". */
  directory?: string;
  /** Where the hint was read (the most trusted source when several agree on a name). */
  source: HintSource;
}

export interface HintDisagreement {
  kind: 'not-in-lockfile' | 'version-differs';
  hint: BumpHint;
  /** The lockfile changes for the hint's name (empty for not-in-lockfile). */
  changes: Change[];
  /** One sentence for the report. */
  message: string;
}

const VERSION = String.raw`v?\d[^\s,;()|` + '`' + String.raw`]*`;
/** A version, or a git commit as Dependabot names a git dependency's update ("from `6d4d74d` to `3dd96d2`"). */
const REF = String.raw`(?:${VERSION}|` + '`?' + String.raw`[0-9a-f]{7,40}` + '`?' + String.raw`(?![\w.-]))`;

/**
 * Hints from a PR title and body, or from a whole commit message (its first line is the title).
 * One hint per name: the title wins over the body, the body's sentences over its tables, and those over the
 * Dependabot YAML trailer; a later source only fills in a version an earlier one left open.
 */
export function parseBumpMessage(message: string | { title?: string; body?: string }): BumpHint[] {
  const { title, body } =
    typeof message === 'string'
      ? { title: message.split(/\r?\n/, 1)[0] ?? '', body: message.split(/\r?\n/).slice(1).join('\n') }
      : { title: message.title ?? '', body: message.body ?? '' };
  const text = body.replace(/\r\n?/g, '\n');
  return mergeHints([...titleHints(title), ...sentenceHints(text), ...tableHints(text), ...trailerHints(text)]);
}

function titleHints(rawTitle: string): BumpHint[] {
  const title = rawTitle
    .trim()
    .replace(/^\[security\]\s*/i, '')
    .replace(/^[\w-]+(\([^)]*\))?!?:\s*/, '') // conventional-commit prefix: "chore(deps): "
    .replace(/^\[security\]\s*/i, '')
    .replace(/\s*\(#\d+\)$/, '')
    .replace(/\s*\[security\]$/i, '')
    .trim();

  // Dependabot: "Bump x from 1.0.0 to 1.1.0" / "... in /backend".
  const bump = new RegExp(`^bump (\\S+) from (${REF}) to (${REF})(?: in (\\S+))?$`, 'i').exec(title);
  if (bump) return [{ name: bump[1], from: clean(bump[2]), to: clean(bump[3]), directory: bump[4], source: 'title' }];

  // Renovate, one package: "Update dependency x to v2" / "to v2.3.4 (minor)".
  const dependency = new RegExp(`^update dependency (\\S+) to (${VERSION})(?: \\((?:major|minor|patch)\\))?$`, 'i').exec(title);
  if (dependency) return [{ name: dependency[1], from: null, to: clean(dependency[2]), source: 'title' }];

  // Renovate, a group: "Update vitest monorepo to v4 (major)", "Update typescript-eslint to v8.64.0".
  const group = new RegExp(`^update (\\S+?)(?: monorepo| packages)? to (${VERSION})(?: \\((?:major|minor|patch)\\))?$`, 'i').exec(title);
  if (group) return [{ name: group[1], from: null, to: clean(group[2]), group: true, source: 'title' }];
  return [];
}

/** Sentences of Dependabot bodies: "Bumps [x](url) from 1 to 2." and grouped "Updates `x` from 1 to 2". */
function sentenceHints(body: string): BumpHint[] {
  const hints: BumpHint[] = [];
  const patterns = [
    new RegExp(`Bumps \\[([^\\]]+)\\]\\([^)]*\\)\\s+from\\s+(${REF})\\s+to\\s+(${REF})\\.?(?=\\s|$)`, 'g'),
    new RegExp(`Bumps \`?([^\\s\`\\[]+)\`?\\s+from\\s+(${REF})\\s+to\\s+(${REF})\\.?(?=\\s|$)`, 'g'),
    new RegExp(`Updates \`([^\`]+)\`\\s+from\\s+(${REF})\\s+to\\s+(${REF})\\.?(?=\\s|$)`, 'g'),
  ];
  for (const pattern of patterns) {
    for (const match of body.matchAll(pattern)) {
      hints.push({ name: match[1], from: clean(match[2]), to: clean(match[3]), source: 'body' });
    }
  }
  return hints;
}

/**
 * Markdown tables: Dependabot's "| Package | From | To |", Renovate's commit-body
 * "| datasource | package | from | to |" and PR-body "| Package | Change |" ("`1.2.3` -> `1.3.0`").
 */
function tableHints(body: string): BumpHint[] {
  const hints: BumpHint[] = [];
  const lines = body.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!isTableRow(lines[i]) || !/^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) continue;
    const header = cells(lines[i]).map((cell) => cell.toLowerCase());
    const packageCol = header.findIndex((cell) => cell === 'package' || cell === 'dependency' || cell === 'dependency name');
    const fromCol = header.indexOf('from');
    const toCol = header.indexOf('to');
    const changeCol = header.indexOf('change');
    let row = i + 2;
    for (; row < lines.length && isTableRow(lines[row]); row++) {
      if (packageCol < 0) continue;
      const rowCells = cells(lines[row]);
      const name = packageName(rowCells[packageCol] ?? '');
      if (!name) continue;
      let from: string | null = null;
      let to: string | null = null;
      if (fromCol >= 0 && toCol >= 0) {
        from = versionIn(rowCells[fromCol]);
        to = versionIn(rowCells[toCol]);
      } else if (changeCol >= 0) {
        // "`1.2.3` -> `1.3.0`", or the range when package.json changed: "`^3.2.4` → `^4.0.5`".
        const change = /`?[\^~=<>]*(v?\d[^`\s]*)`?\s*(?:->|→|➔)\s*`?[\^~=<>]*(v?\d[^`\s)\]]*)`?/.exec(
          stripLinks(rowCells[changeCol] ?? ''),
        );
        if (change) [from, to] = [clean(change[1]), clean(change[2])];
      }
      if (from !== null || to !== null) hints.push({ name, from, to, source: 'table' });
    }
    i = row - 1;
  }
  return hints;
}

/** Dependabot's commit trailer: "updated-dependencies:" then a YAML list, closed by "...". */
function trailerHints(body: string): BumpHint[] {
  const start = body.search(/^updated-dependencies:\s*$/m);
  if (start < 0) return [];
  const lines = body.slice(start).split('\n');
  const block: string[] = [lines[0]];
  for (const line of lines.slice(1)) {
    if (/^\.\.\.\s*$/.test(line) || (line.trim() !== '' && !/^[\s-]/.test(line))) break;
    block.push(line);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(block.join('\n'));
  } catch {
    return [];
  }
  const list = (parsed as { 'updated-dependencies'?: unknown } | null)?.['updated-dependencies'];
  if (!Array.isArray(list)) return [];
  const hints: BumpHint[] = [];
  for (const item of list) {
    const name = (item as Record<string, unknown> | null)?.['dependency-name'];
    const version = (item as Record<string, unknown> | null)?.['dependency-version'];
    if (typeof name !== 'string' || name === '') continue;
    hints.push({ name, from: null, to: version === undefined || version === null ? null : clean(String(version)), source: 'trailer' });
  }
  return hints;
}

function mergeHints(hints: BumpHint[]): BumpHint[] {
  const merged = new Map<string, BumpHint>();
  for (const hint of hints) {
    const key = `${hint.group ? 'group' : 'package'}:${hint.name.toLowerCase()}`;
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, { ...hint });
      continue;
    }
    existing.from ??= hint.from;
    existing.to ??= hint.to;
    existing.directory ??= hint.directory;
  }
  for (const hint of merged.values()) if (hint.directory === undefined) delete hint.directory;
  return [...merged.values()];
}

/**
 * Where the message and the lockfile disagree: a package the message mentions that the lockfile diff does
 * not change, or changes to other versions. A lockfile change the message does not mention is fine
 * (transitive updates ride along with every bump).
 */
export function compareHints(hints: readonly BumpHint[], changes: readonly Change[]): HintDisagreement[] {
  const out: HintDisagreement[] = [];
  for (const hint of hints) {
    const related = changes.filter((change) =>
      hint.group ? inGroup(hint.name, change.name) : sameName(hint.name, change),
    );
    const agrees = (change: Change) =>
      versionAgrees(hint.from, change.from, change.source?.from) && versionAgrees(hint.to, change.to, change.source?.to);
    if (related.some(agrees)) continue;
    // A group's name need not resemble its packages' (aws-sdk-js-v3 → @aws-sdk/*): its version is the clue.
    if (hint.group && related.length === 0 && hint.to !== null && changes.some((change) => versionAgrees(hint.to, change.to))) {
      continue;
    }
    const said = `${hint.group ? `the ${hint.name} group` : hint.name}${describe(hint.from, hint.to)}`;
    if (related.length === 0) {
      out.push({
        kind: 'not-in-lockfile',
        hint,
        changes: [],
        message: `The message mentions ${said}, but the lockfile does not change ${hint.group ? 'any package of it' : hint.name}.`,
      });
    } else {
      const found = related
        .map((change) => {
          const labels = changeLabels(change);
          return `${change.name} ${labels.from ?? '(none)'} → ${labels.to ?? '(none)'}`;
        })
        .join(', ');
      out.push({
        kind: 'version-differs',
        hint,
        changes: related,
        message: `The message says ${said}, but the lockfile says ${found}.`,
      });
    }
  }
  return out;
}

function describe(from: string | null, to: string | null): string {
  if (from !== null && to !== null) return ` ${from} → ${to}`;
  if (to !== null) return ` → ${to}`;
  if (from !== null) return ` from ${from}`;
  return '';
}

/**
 * A hint version agrees when it is absent, equal, or a prefix at a dot ("4" for 4.0.5, from "to v4"); for a
 * git package also when it names the locked commit (Dependabot gives 7 or 40 hex digits); and where the
 * lockfile records only a spec (package-lock v1), when the spec names that version ("regionkit-1.1.0.tgz").
 */
function versionAgrees(hint: string | null, actual: string | null, source?: PackageSource | null): boolean {
  if (hint === null) return true;
  if (actual === null) return false;
  if (actual === hint || actual.startsWith(`${hint}.`)) return true;
  if (source && actual === source.spec && specNamesVersion(source.spec, hint)) return true;
  const commit = source?.commit ?? (/^[0-9a-f]{7,40}$/i.test(actual) ? actual : undefined);
  return /^[0-9a-f]{7,40}$/i.test(hint) && commit !== undefined && commit.toLowerCase().startsWith(hint.toLowerCase());
}

/** "file:vendor/regionkit-1.1.0.tgz" names 1.1.0 (and not 1.1 or 1.1.0.1): the version stands on its own. */
function specNamesVersion(spec: string, version: string): boolean {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w.])v?${escaped}(?![\\d.]*\\d)`).test(spec);
}

function sameName(hintName: string, change: Change): boolean {
  if (change.ecosystem === 'pypi') return normalisePypiName(hintName) === normalisePypiName(change.name);
  return hintName.toLowerCase() === change.name.toLowerCase();
}

/** Does a package belong to a group named like "vitest", "typescript-eslint", "aws-sdk-js-v3", "swc"? */
function inGroup(group: string, packageName: string): boolean {
  const g = group.toLowerCase();
  const name = packageName.toLowerCase();
  const scope = name.startsWith('@') ? name.slice(1, name.indexOf('/')) : null;
  const base = name.slice(name.indexOf('/') + 1);
  return (
    name === g ||
    base === g ||
    base.startsWith(`${g}-`) ||
    (scope !== null && (scope === g || g.startsWith(`${scope}-`) || scope.startsWith(`${g}-`)))
  );
}

function clean(version: string): string {
  return version.replace(/`/g, '').replace(/^v(?=\d)/, '').replace(/[.,;:]+$/, '');
}

function isTableRow(line: string): boolean {
  return /^\s*\|.*\|\s*$/.test(line);
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

function stripLinks(cell: string): string {
  return cell.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
}

/** "[vitest](url) ([source](url))" → "vitest"; "`@types/node`" → "@types/node". */
function packageName(cell: string): string | null {
  const text = stripLinks(cell).replace(/`/g, '').replace(/\s*\(.*\)\s*$/, '').trim();
  return /^(@[\w.-]+\/)?[\w.-]+$/.test(text) ? text : null;
}

function versionIn(cell: string | undefined): string | null {
  const match = /v?\d[^\s`]*/.exec(stripLinks(cell ?? ''));
  return match ? clean(match[0]) : null;
}
