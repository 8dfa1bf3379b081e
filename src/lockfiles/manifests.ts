// The manifest beside a lockfile (package.json, pyproject.toml, Pipfile): which dependencies the project
// lists itself, for running and for development only. Lockfiles that record no dev flag (yarn, pnpm 9,
// Poetry 1.5–1.8, uv) are classified through it, and a bump whose manifest changed only in its dev sections
// can be a dev-only bump. Manifests come from the PR: anything unreadable counts as "tells nothing".
import { parse as parseToml } from 'smol-toml';
import { detectFromPath } from './detect.ts';
import { normalisePypiName } from './shared/names.ts';
import type { DependencyRoots } from './types.ts';

type Dict = Record<string, unknown>;

const MANIFEST_NAMES = ['package.json', 'pyproject.toml', 'Pipfile'] as const;

/** The manifest that sits beside a lockfile (same folder), or null for formats without one (requirements files). */
export function manifestPathFor(lockfile: string): string | null {
  const kind = detectFromPath(lockfile);
  const dir = lockfile.includes('/') ? lockfile.slice(0, lockfile.lastIndexOf('/') + 1) : '';
  switch (kind) {
    case 'npm':
    case 'yarn':
    case 'pnpm':
      return `${dir}package.json`;
    case 'poetry':
    case 'uv':
      return `${dir}pyproject.toml`;
    case 'pipenv':
      return `${dir}Pipfile`;
    default:
      return null;
  }
}

/** A manifest file by its name. */
export function isManifestPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return (MANIFEST_NAMES as readonly string[]).includes(name);
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parsed, or null when it is not what its name says. */
function read(path: string, text: string): Dict | null {
  try {
    const data = path.endsWith('package.json') ? JSON.parse(text) : parseToml(text);
    return isDict(data) ? data : null;
  } catch {
    return null;
  }
}

const keys = (v: unknown): string[] => (isDict(v) ? Object.keys(v) : []);
/** The name of a PEP 508 requirement ("requests[socks] >= 2; python_version < '3.8'" → requests). */
const pep508Names = (v: unknown): string[] =>
  Array.isArray(v) ? v.flatMap((r) => (typeof r === 'string' && /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(r) ? [/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(r)![1]] : [])) : [];

/** The project's own dependencies by name, or null when the manifest cannot be read. */
export function manifestRoots(path: string, text: string): DependencyRoots | null {
  const data = read(path, text);
  if (!data) return null;
  if (path.endsWith('package.json')) {
    return {
      runtime: [...keys(data.dependencies), ...keys(data.optionalDependencies), ...keys(data.peerDependencies)],
      dev: keys(data.devDependencies),
    };
  }
  const roots: DependencyRoots = { runtime: [], dev: [] };
  if (path.endsWith('Pipfile')) {
    roots.runtime.push(...keys(data.packages));
    roots.dev.push(...keys(data['dev-packages']));
  } else {
    const project = isDict(data.project) ? data.project : {};
    const tool = isDict(data.tool) ? data.tool : {};
    const poetry = isDict(tool.poetry) ? tool.poetry : {};
    const uv = isDict(tool.uv) ? tool.uv : {};
    roots.runtime.push(...pep508Names(project.dependencies), ...Object.values(isDict(project['optional-dependencies']) ? project['optional-dependencies'] : {}).flatMap(pep508Names));
    roots.runtime.push(...keys(poetry.dependencies).filter((n) => n.toLowerCase() !== 'python'));
    // PEP 735 dependency groups, Poetry's dev-dependencies and its groups other than main, uv's dev-dependencies.
    roots.dev.push(...Object.values(isDict(data['dependency-groups']) ? data['dependency-groups'] : {}).flatMap(pep508Names));
    roots.dev.push(...keys(poetry['dev-dependencies']), ...pep508Names(uv['dev-dependencies']));
    for (const [group, body] of Object.entries(isDict(poetry.group) ? poetry.group : {})) {
      (group === 'main' ? roots.runtime : roots.dev).push(...keys(isDict(body) ? body.dependencies : undefined));
    }
  }
  return { runtime: roots.runtime.map(normalisePypiName), dev: roots.dev.map(normalisePypiName) };
}

/** The manifest without its development-only parts. */
function withoutDevParts(path: string, data: Dict): Dict {
  const copy = structuredClone(data);
  if (path.endsWith('package.json')) {
    delete copy.devDependencies;
  } else if (path.endsWith('Pipfile')) {
    delete copy['dev-packages'];
  } else {
    delete copy['dependency-groups'];
    const tool = isDict(copy.tool) ? copy.tool : {};
    if (isDict(tool.uv)) delete tool.uv['dev-dependencies'];
    const poetry = isDict(tool.poetry) ? tool.poetry : null;
    if (poetry) {
      delete poetry['dev-dependencies'];
      if (isDict(poetry.group)) for (const group of Object.keys(poetry.group)) if (group !== 'main') delete poetry.group[group];
    }
  }
  return copy;
}

/**
 * Whether a manifest changed only in what development needs (devDependencies, dev groups, dev-packages).
 * Anything else — a runtime dependency, a script, the package's own version, a file that does not parse —
 * is a change that may matter to the server.
 */
export function changedOnlyInDevParts(path: string, before: string | null, after: string | null): boolean {
  if (before === null || after === null) return false;
  const a = read(path, before);
  const b = read(path, after);
  if (!a || !b) return false;
  return JSON.stringify(sortKeys(withoutDevParts(path, a))) === JSON.stringify(sortKeys(withoutDevParts(path, b)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isDict(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
}
