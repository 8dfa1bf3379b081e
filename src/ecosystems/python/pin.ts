// Pinning a version set into a Python project that installs from requirements files: a package at the
// version head pins takes head's own line (and so do the dependencies head's pip-compile annotations say
// it pulled in: head-pins.ts); other exact `==` pins are rewritten in place (with fresh `--hash` values
// when the file uses hashes); and a constraints file pins them wherever they come from, transitive ones
// included. requirements.txt names
// the constraints file (`-c`), so the project's usual `pip install -r requirements.txt` picks it up;
// PIP_CONSTRAINT carries it to custom install commands.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { satisfies } from '@renovatebot/pep440';
import { sourceOfSpec } from '../../lockfiles/index.ts';
import { PinInstallError, PinUnsupportedError, RegistryError, type EcosystemContext, type PinResult } from '../types.ts';
import { applyHeadPins } from './head-pins.ts';
import { findRequirementFiles, logicalLines, optionOf, rewritePins } from './requirements-files.ts';
import { projectFiles } from './releases.ts';
import { normaliseName, pep440Rules, sameVersion } from './versions.ts';

/** The constraints file pin writes, next to requirements.txt. */
export const CONSTRAINTS_FILE = 'bumpbench-constraints.txt';

const OTHER_LAYOUTS = ['poetry.lock', 'Pipfile.lock', 'uv.lock', 'pyproject.toml', 'setup.py'];

interface Resolved {
  name: string;
  version: string;
  hashes: string[];
}

/** The version of the `python3` the install will use (from ctx.env's PATH), or null when unknown. */
async function interpreterVersion(env: Record<string, string> | undefined): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)('python3', ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      env: env ?? { PATH: process.env.PATH ?? '' },
      timeout: 10_000,
    });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/**
 * The requested version's files on the index, or PinInstallError when there are none, or when none of
 * them supports the Python the install will use (pip would find nothing to install).
 */
async function resolveOnIndex(name: string, version: string, ctx: EcosystemContext, all: Record<string, string>, python: string | null): Promise<Resolved> {
  if (sourceOfSpec(version) !== null) {
    // pip constraints take index releases only ("name==version"), never a URL or path.
    throw new PinInstallError(
      `${name} comes from ${version}, not a package index: a Python candidate can pin index releases only, so this state is skipped`,
      'pypi',
      all,
    );
  }
  if (!pep440Rules.valid(version)) throw new PinInstallError(`${name}==${version}: "${version}" is not a PEP 440 version`, 'pypi', all);
  let files;
  try {
    files = await projectFiles(name, ctx);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) throw new PinInstallError(err.message, 'pypi', all);
    throw err;
  }
  const matching = files.files.filter((f) => sameVersion(f.version, version));
  if (matching.length === 0) {
    const count = new Set(files.files.map((f) => f.version)).size;
    throw new PinInstallError(`${name} ${version} is not on the package index ${files.indexes.primary} (it has ${count} other releases)`, 'pypi', all);
  }
  if (python !== null && matching.every((f) => f.requiresPython !== undefined && !satisfies(python, f.requiresPython))) {
    throw new PinInstallError(`${name} ${version} requires Python ${matching[0].requiresPython}; the install uses Python ${python}`, 'pypi', all);
  }
  const hashes = matching.filter((f) => f.hashes.sha256).map((f) => `sha256:${f.hashes.sha256}`);
  return { name: normaliseName(name), version, hashes: [...new Set(hashes)].sort() };
}

export async function pinPython(projectDir: string, versions: Record<string, string>, ctxIn: Omit<EcosystemContext, 'projectDir'>): Promise<PinResult> {
  const ctx: EcosystemContext = { ...ctxIn, projectDir };
  const env = ctx.env ?? {};
  const requirementFiles = await findRequirementFiles(projectDir, env);
  if (requirementFiles.length === 0) {
    const other = OTHER_LAYOUTS.filter((f) => existsSync(path.join(projectDir, f)));
    throw new PinUnsupportedError(
      other.length > 0
        ? `pinning Python packages needs requirements files; this project uses ${other.join(', ')}. Export pinned requirements (e.g. \`poetry export\` or \`uv export\`) to requirements.txt and install from it.`
        : `no requirements.txt in ${projectDir}: nothing to pin into`,
    );
  }
  const python = await interpreterVersion(ctx.env);
  const resolved = await Promise.all(Object.entries(versions).map(([name, version]) => resolveOnIndex(name, version, ctx, versions, python)));
  resolved.sort((a, b) => a.name.localeCompare(b.name));

  const changed = new Set<string>();
  // Pins taken from head's lines, with the dependencies head locked for them: they join the constraints.
  const fromHead = new Map<string, string>();
  for (const rel of requirementFiles) {
    const file = path.join(projectDir, rel);
    const original = await readFile(file, 'utf8');
    let text = original;
    const headText = ctx.headFile ? await ctx.headFile(rel) : null;
    let taken = new Map<string, string>();
    if (headText !== null) ({ text, taken } = applyHeadPins(text, headText, versions));
    for (const [name, version] of taken) fromHead.set(name, version);
    for (const r of resolved) if (!taken.has(r.name)) text = rewritePins(text, r.name, r.version, r.hashes).text;
    if (rel === 'requirements.txt' && !referencesConstraints(text)) {
      text = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}# Added by bumpbench: the versions being measured.\n-c ${CONSTRAINTS_FILE}\n`;
    }
    if (text !== original) {
      await writeFile(file, text);
      changed.add(rel);
    }
  }
  const pins = new Map(resolved.map((r) => [r.name, r.version]));
  for (const [name, version] of fromHead) pins.set(name, version);
  const constraints = [...pins].sort(([a], [b]) => a.localeCompare(b)).map(([name, version]) => `${name}==${version}`).join('\n');
  await writeFile(path.join(projectDir, CONSTRAINTS_FILE), `# Written by bumpbench: pins the versions being measured.\n${constraints}\n`);
  changed.add(CONSTRAINTS_FILE);

  const changedFiles = [...changed].sort();
  // The key covers the resulting state (every requirements file and the constraints), not the edit:
  // pinning an already pinned tree gives the same key.
  const hash = createHash('sha256').update('pypi-pin\0');
  for (const rel of [...new Set([...requirementFiles, CONSTRAINTS_FILE])].sort()) hash.update(`${rel}\0`).update(await readFile(path.join(projectDir, rel))).update('\0');
  const notes: string[] = [];
  if (!existsSync(path.join(projectDir, 'requirements.txt'))) {
    notes.push(`no requirements.txt to reference ${CONSTRAINTS_FILE}: the install must run with PIP_CONSTRAINT set (see env)`);
  }
  return {
    versions: { ...versions },
    changedFiles,
    cacheKey: `pypi:${hash.digest('hex').slice(0, 24)}`,
    env: { PIP_CONSTRAINT: path.join(projectDir, CONSTRAINTS_FILE) },
    notes,
  };
}

function referencesConstraints(text: string): boolean {
  return logicalLines(text).some((line) => {
    const opt = optionOf(line.text);
    return opt !== null && (opt.option === '-c' || opt.option === '--constraint') && path.basename(opt.value) === CONSTRAINTS_FILE;
  });
}
