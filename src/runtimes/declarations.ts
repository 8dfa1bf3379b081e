// Where repositories pin their runtime, read as declarations: `.nvmrc`, `.node-version`, `.python-version`,
// `.tool-versions` (asdf, mise), `runtime.txt` (Heroku-style), package.json `engines.node` and `volta.node`,
// and Dockerfile `FROM` lines of the official node, python and pypy images. Pure: a file's name and text in.
import { baseName } from '../lockfiles/shared/path.ts';
import { nodeImageTagPin, nodeRange, pinsOneMajor } from './node-spec.ts';
import { parsePythonSpec, pythonImageTagPin } from './python-spec.ts';
import type { RuntimeDeclaration, RuntimeKind, RuntimeSource } from './types.ts';

const PLAIN_FILES: Record<string, RuntimeSource> = {
  '.nvmrc': 'nvmrc',
  '.node-version': 'node-version',
  '.python-version': 'python-version',
  '.tool-versions': 'tool-versions',
  'runtime.txt': 'runtime-txt',
};

/** Which declaration wins when several pin the same kind: the most specific first, Dockerfiles last. */
const PRECEDENCE: Record<RuntimeKind, RuntimeSource[]> = {
  node: ['volta', 'nvmrc', 'node-version', 'tool-versions', 'engines', 'dockerfile'],
  python: ['python-version', 'tool-versions', 'runtime-txt', 'dockerfile'],
};

export function isDockerfileName(name: string): boolean {
  return /^(Dockerfile|Containerfile)(\.[\w.-]+)?$/.test(name) || /\.(Dockerfile|dockerfile|Containerfile)$/.test(name);
}

/** Does a path name a file that can pin a runtime? (package.json can; most of its changes do not.) */
export function isRuntimeFilePath(path: string): boolean {
  const name = baseName(path);
  return name in PLAIN_FILES || name === 'package.json' || isDockerfileName(name);
}

/** Files that exist only to pin a runtime (a change to one is a runtime change; package.json and Dockerfiles need reading). */
export function isRuntimePinFile(path: string): boolean {
  return baseName(path) in PLAIN_FILES || isDockerfileName(baseName(path));
}

/** Lines without comments and blanks. */
function meaningfulLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);
}

function nodeDeclaration(file: string, source: RuntimeSource, spec: string, field?: string, needsOneMajor = false): RuntimeDeclaration {
  const range = nodeRange(spec);
  const base = { kind: 'node' as const, source, spec, file, ...(field ? { field } : {}) };
  if (range === null) return { ...base, pin: null, reason: `"${spec}" is not a Node version or range` };
  if (needsOneMajor && !pinsOneMajor(range)) {
    return { ...base, pin: null, reason: `"${spec}" spans several major versions: it says what the project supports, not what it runs on` };
  }
  return { ...base, pin: spec };
}

function pythonDeclaration(file: string, source: RuntimeSource, spec: string, field?: string): RuntimeDeclaration {
  const base = { kind: 'python' as const, source, spec, file, ...(field ? { field } : {}) };
  return parsePythonSpec(spec) ? { ...base, pin: spec } : { ...base, pin: null, reason: `"${spec}" is not a Python version bumpbench can look for` };
}

function parsePackageJson(file: string, text: string): RuntimeDeclaration[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out: RuntimeDeclaration[] = [];
  const record = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
  const volta = record(record(doc).volta).node;
  if (typeof volta === 'string' && volta.trim()) out.push(nodeDeclaration(file, 'volta', volta.trim(), 'volta.node'));
  const engines = record(record(doc).engines).node;
  if (typeof engines === 'string' && engines.trim()) out.push(nodeDeclaration(file, 'engines', engines.trim(), 'engines.node', true));
  return out;
}

function parseToolVersions(file: string, text: string): RuntimeDeclaration[] {
  const out: RuntimeDeclaration[] = [];
  for (const line of meaningfulLines(text)) {
    const [tool, first] = line.split(/\s+/);
    if (!first) continue;
    if (tool === 'nodejs' || tool === 'node') out.push(nodeDeclaration(file, 'tool-versions', first, tool));
    else if (tool === 'python') out.push(pythonDeclaration(file, 'tool-versions', first, tool));
  }
  return out;
}

/** Dockerfile lines with continuations joined. */
function dockerInstructions(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined.split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

/**
 * Every FROM of an official node, python or pypy image. Build arguments declared before the first FROM
 * (with a default) are substituted, as Docker does; a tag that stays a variable pins nothing.
 */
function parseDockerfile(file: string, text: string): RuntimeDeclaration[] {
  const args = new Map<string, string>();
  const stages = new Set<string>();
  const out: RuntimeDeclaration[] = [];
  let seenFrom = false;
  for (const instruction of dockerInstructions(text)) {
    const [keyword, ...rest] = instruction.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && !seenFrom) {
      for (const part of rest) {
        const eq = part.indexOf('=');
        if (eq > 0) args.set(part.slice(0, eq), part.slice(eq + 1).replace(/^["']|["']$/g, ''));
      }
      continue;
    }
    if (upper !== 'FROM') continue;
    seenFrom = true;
    const words = rest.filter((w) => !w.startsWith('--'));
    const written = words[0];
    if (!written) continue;
    const asIndex = words.findIndex((w) => w.toLowerCase() === 'as');
    const fromStage = stages.has(written.toLowerCase());
    if (asIndex > 0 && words[asIndex + 1]) stages.add(words[asIndex + 1].toLowerCase());
    // FROM an earlier stage: its runtime is that stage's FROM, already read.
    if (fromStage) continue;
    const image = written.replace(/\$\{?([A-Za-z_]\w*)(?::-([^}]*))?\}?/g, (whole, name: string, fallback?: string) => args.get(name) ?? fallback ?? whole);
    const withoutDigest = image.split('@')[0];
    const slash = withoutDigest.lastIndexOf('/');
    const colon = withoutDigest.indexOf(':', slash + 1);
    const repo = (colon >= 0 ? withoutDigest.slice(slash + 1, colon) : withoutDigest.slice(slash + 1)).toLowerCase();
    const tag = colon >= 0 ? withoutDigest.slice(colon + 1) : null;
    if (repo !== 'node' && repo !== 'python' && repo !== 'pypy') continue;
    const field = `FROM ${written}`;
    const kind: RuntimeKind = repo === 'node' ? 'node' : 'python';
    const unresolved = tag?.includes('$');
    const pin = unresolved ? null : repo === 'node' ? nodeImageTagPin(tag) : pythonImageTagPin(repo, tag);
    out.push({
      kind, source: 'dockerfile', spec: tag ? `${repo}:${tag}` : repo, file, field, pin,
      ...(pin === null ? { reason: unresolved ? 'the tag is a build argument without a default' : `the ${repo} image tag "${tag ?? 'latest'}" names no version` } : {}),
    });
  }
  return out;
}

/** The runtime declarations of one file (none for a file that pins nothing). */
export function parseRuntimeFile(file: string, text: string): RuntimeDeclaration[] {
  const name = baseName(file);
  const source = PLAIN_FILES[name];
  if (name === 'package.json') return parsePackageJson(file, text);
  if (isDockerfileName(name)) return parseDockerfile(file, text);
  if (source === 'tool-versions') return parseToolVersions(file, text);
  const first = meaningfulLines(text)[0];
  if (!first || !source) return [];
  if (source === 'nvmrc' || source === 'node-version') return [nodeDeclaration(file, source, first)];
  if (source === 'python-version') return [pythonDeclaration(file, source, first.split(/\s+/)[0])];
  // runtime.txt: "python-3.11.7" or "pypy3.9-7.3.11"; other languages' runtime.txt pins nothing of ours.
  if (/^(python|pypy)/i.test(first)) return [pythonDeclaration(file, 'runtime-txt', first)];
  return [];
}

/** Where a declaration sits, in words: ".nvmrc", "package.json engines.node", "Dockerfile FROM node:22". */
export function declarationPlace(d: RuntimeDeclaration): string {
  return d.field && d.source !== 'tool-versions' ? `${d.file} ${d.field}` : d.file;
}

/**
 * The declaration a side runs on, of one kind: the first source in precedence order that pins one; among
 * files of the same source the nearest (callers list declarations nearest directory first); in a
 * Dockerfile the last FROM (the stage that runs).
 */
export function winningDeclaration(declarations: readonly RuntimeDeclaration[], kind: RuntimeKind): RuntimeDeclaration | null {
  for (const source of PRECEDENCE[kind]) {
    const pinned = declarations.filter((d) => d.kind === kind && d.source === source && d.pin !== null);
    if (pinned.length === 0) continue;
    if (source !== 'dockerfile') return pinned[0];
    const file = pinned[0].file;
    return pinned.filter((d) => d.file === file).at(-1)!;
  }
  return null;
}
