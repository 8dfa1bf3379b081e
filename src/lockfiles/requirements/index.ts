// pip requirements files (pip-compile output or hand-written pins): any name, e.g. requirements/dev.txt.
// Resolved packages are exact pins (== or ===) and named direct references ("name @ git+https://…@<sha>",
// "name @ file:///…/name-1.0.tar.gz"); ranges, editables and unnamed URLs or paths are not.
// Follows pip's reading rules: a line ending in "\" continues on the next, a comment line ends a
// continued line, "#" after whitespace starts a comment, "; marker" is an environment marker.
import { LockfileError } from '../errors.ts';
import { normalisePypiName } from '../shared/names.ts';
import { refOf, sourceOfSpec, versionInArchiveName } from '../shared/sources.ts';
import { baseName, dirNames } from '../shared/path.ts';
import type { LockfileManager, ParseResult, ResolvedPackage } from '../types.ts';

interface LogicalLine {
  line: number;
  text: string;
}

const NAME = String.raw`[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`;
const REQUIREMENT = new RegExp(String.raw`^(${NAME})\s*(?:\[([^\]]*)\])?\s*(.*)$`);
const HASH_LENGTHS: Record<string, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };
/** Options that take a value: "-i URL" as well as "--index-url=URL". Their values are never requirements. */
const INCLUDE_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint']);

export const requirementsManager: LockfileManager = {
  kind: 'requirements',
  ecosystem: 'pypi',
  matchesPath(path) {
    const name = baseName(path).toLowerCase();
    if (!name.endsWith('.txt')) return false;
    return /requirements|constraints/.test(name) || dirNames(path).some((dir) => /^requirements?$/i.test(dir));
  },
  sniff(text) {
    if (/^\s*[{[]/.test(text)) return false;
    let pins = 0;
    for (const { text: line } of logicalLines(text)) {
      if (line.startsWith('-')) continue;
      if (!REQUIREMENT.test(line) || /^[\w.-]+\s*[:=]\s*[^=]/.test(line)) return false;
      if (/(^|[^=<>!~])===?\s*\d/.test(line)) pins++;
    }
    return pins > 0;
  },
  parse(text, file): ParseResult {
    const packages: ResolvedPackage[] = [];
    const notes: string[] = [];
    const unpinned: string[] = [];
    const dev = isDevRequirementsFile(file);
    const via = viaAnnotations(text);
    for (const logical of logicalLines(text, file)) {
      const result = parseLine(logical, file);
      if (result.kind === 'package') {
        const reasons = via.get(result.pkg.name);
        // pip-compile says why each pin is there: "-r requirements.in" for what the project asked for, a
        // package name for what came with it. A hand-written file lists what the project asked for.
        const direct = reasons === undefined ? via.size === 0 || undefined : reasons.some(isProjectReason);
        packages.push({ ...result.pkg, dev, ...(direct !== undefined ? { direct } : {}) });
      }
      else if (result.kind === 'include') notes.push(`${file} line ${logical.line}: "${result.option} ${result.target}" is not followed; only this file is read`);
      else if (result.kind === 'unpinned') unpinned.push(result.name);
    }
    if (unpinned.length) {
      notes.push(`${file}: ${unpinned.length} requirement(s) not pinned with == were left out: ${unpinned.join(', ')}`);
    }
    return { packages, notes };
  },
};

/**
 * A requirements file for development only, by its name: requirements-dev.txt, dev-requirements.txt,
 * requirements/test.txt, requirements_lint.txt, … (dev, test, lint, docs, typing, ci).
 */
export function isDevRequirementsFile(path: string): boolean {
  const parts = path.toLowerCase().split('/');
  const words = parts.flatMap((part, i) => (i === parts.length - 1 ? part.replace(/\.txt$/, '') : part).split(/[^a-z]+/));
  return words.some((w) => ['dev', 'devel', 'develop', 'development', 'test', 'tests', 'testing', 'lint', 'doc', 'docs', 'typing', 'ci'].includes(w));
}

/** "-r requirements.in", or the project itself ("my-app (pyproject.toml)"): the project asked for it. */
function isProjectReason(reason: string): boolean {
  return /^(-r\s|--requirement[=\s])/.test(reason) || /\((pyproject\.toml|setup\.py|setup\.cfg)\)$/.test(reason);
}

/**
 * pip-compile's "# via" comments, by the normalised name of the pin above them: "# via flask" on one line,
 * or "# via" followed by "#   flask" and "#   -r requirements.in" lines.
 */
function viaAnnotations(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string | null = null;
  let collecting: string[] | null = null;
  for (const raw of text.split('\n')) {
    const comment = /^\s*#\s?(.*)$/.exec(raw);
    if (!comment) {
      collecting = null;
      const requirement = REQUIREMENT.exec(raw.trim());
      current = raw.trim() !== '' && !raw.startsWith(' ') && !raw.trim().startsWith('-') && requirement ? normalisePypiName(requirement[1]) : current;
      continue;
    }
    const body = comment[1].trim();
    const via = /^via(?:\s+(.*))?$/.exec(body);
    if (via && current !== null) {
      collecting = via[1] ? [via[1].trim()] : [];
      out.set(current, collecting);
    } else if (collecting !== null && body !== '') {
      collecting.push(body);
    }
  }
  return out;
}

type LineResult =
  | { kind: 'package'; pkg: ResolvedPackage }
  | { kind: 'include'; option: string; target: string }
  | { kind: 'unpinned'; name: string }
  | { kind: 'skip' };

function parseLine({ line, text }: LogicalLine, file: string): LineResult {
  if (text.startsWith('-')) {
    const [option, ...rest] = text.split(/[\s=]+/);
    if (INCLUDE_OPTIONS.has(option)) return { kind: 'include', option, target: rest.join(' ') };
    // -e/--editable (a local or VCS checkout), -i/--index-url, -f, --hash on its own, ...: not packages.
    return { kind: 'skip' };
  }
  // A path or URL requirement ("./pkg", "git+https://...", "https://.../x.whl"): no registry version.
  if (/^(\.{0,2}\/|~|[a-z][a-z0-9+.-]*:\/\/|git\+)/i.test(text)) return { kind: 'skip' };

  const optionStart = text.search(/\s--?[a-z]/i);
  const requirement = (optionStart < 0 ? text : text.slice(0, optionStart)).trim();
  const options = optionStart < 0 ? '' : text.slice(optionStart);
  checkHashes(options, line, file);

  const match = REQUIREMENT.exec(requirement);
  if (!match) throw new LockfileError(`cannot read the requirement "${requirement}"`, { file, line });
  const name = normalisePypiName(match[1]);
  const rest = match[3].trim();
  if (rest.startsWith('@')) return directReference(name, rest.slice(1));
  const specifier = rest.split(';')[0].trim();
  if (specifier === '') return { kind: 'unpinned', name };
  const clauses = specifier.replace(/^\((.*)\)$/, '$1').split(',').map((clause) => clause.trim());
  let pinned: string | null = null;
  for (const clause of clauses) {
    const spec = /^(===|==|~=|!=|<=|>=|<|>)\s*([^\s]+)$/.exec(clause);
    if (!spec) throw new LockfileError(`cannot read the version specifier "${clause}" of ${match[1]}`, { file, line });
    if ((spec[1] === '==' || spec[1] === '===') && !spec[2].includes('*')) pinned = spec[2];
  }
  if (pinned === null) return { kind: 'unpinned', name };
  return { kind: 'package', pkg: { ecosystem: 'pypi', name, version: pinned } };
}

/**
 * "name @ URL ; marker" (PEP 508): a git checkout, a local or remote archive, or a folder. pip records no
 * version: the archive's file name states one (PEP 427/625), else the git commit or the URL stands for it.
 */
function directReference(name: string, reference: string): LineResult {
  const url = reference.split(/\s;/)[0].trim();
  const source = sourceOfSpec(url);
  if (!source) return { kind: 'skip' };
  const version = source.kind === 'git' ? undefined : versionInArchiveName(url, name, normalisePypiName);
  return { kind: 'package', pkg: { ecosystem: 'pypi', name, version: version ?? refOf(source), source } };
}

/** A hash cut short is the usual sign of a truncated pip-compile file. */
function checkHashes(options: string, line: number, file: string): void {
  const hashes = options.matchAll(/--hash[=\s]+(\S*)/g);
  for (const [, value] of hashes) {
    const hash = /^([a-z0-9]+):([0-9a-f]*)$/i.exec(value);
    const expected = hash ? HASH_LENGTHS[hash[1].toLowerCase()] : undefined;
    if (!hash || expected === undefined) {
      throw new LockfileError(`"--hash=${value}" is not algorithm:hexdigest`, { file, line });
    }
    if (hash[2].length !== expected) {
      throw new LockfileError(
        `"--hash=${value}" has ${hash[2].length} hex digits where ${hash[1]} has ${expected}: the file may be truncated`,
        { file, line },
      );
    }
  }
}

/**
 * Physical lines joined into logical ones, with comments removed. With `file`, a file ending on a "\"
 * (a continuation that never comes: a truncated file) is an error.
 */
function logicalLines(text: string, file?: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const lines = text.split('\n');
  let pending: LogicalLine | null = null;
  const flush = (): void => {
    if (pending && pending.text.trim() !== '') out.push({ line: pending.line, text: pending.text.trim() });
    pending = null;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (/^\s*#/.test(raw)) {
      flush(); // pip: a comment line ends a continued line
      return;
    }
    let content = raw.replace(/(^|\s)#.*$/, '');
    const continued = /\\\s*$/.test(content);
    if (continued) content = content.replace(/\\\s*$/, '');
    pending = pending ? { line: pending.line, text: `${pending.text} ${content}` } : { line, text: content };
    if (!continued) flush();
  });
  const end = text.replace(/\s+$/, '');
  const lastPhysical = end.slice(end.lastIndexOf('\n') + 1);
  if (file !== undefined && end.endsWith('\\') && !/^\s*#/.test(lastPhysical)) {
    throw new LockfileError('the file ends in the middle of a continued line ("\\" at the end): the file looks truncated', {
      file,
      line: end.split('\n').length,
    });
  }
  flush();
  return out;
}
