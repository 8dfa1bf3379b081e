// The shared real-world lockfile fixtures (see their README): CI clones this repo with shared/ beside it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LockfileKind } from '../../src/lockfiles/types.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixturesRoot = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'lockfiles');

export interface FixtureCase {
  /** "npm-lockfile-v3/octokit__webhooks.js__73ec1fc5b2" */
  id: string;
  dir: string;
  /** The format folder, e.g. "yarn-berry". */
  format: string;
  /** The lockfile's path in its repository (from source.txt), e.g. "requirements/dev.txt". */
  repoPath: string;
  beforeFile: string;
  afterFile: string;
  read: (side: 'before' | 'after') => string;
  readText: (name: 'expected_setdiff.txt' | 'expected.txt' | 'message.txt' | 'source.txt') => string;
}

/** Every case folder, read from disk so a new folder becomes a new test. */
export function fixtureCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const format of readdirSync(fixturesRoot).sort()) {
    const formatDir = path.join(fixturesRoot, format);
    if (!statSync(formatDir).isDirectory()) continue;
    for (const name of readdirSync(formatDir).sort()) {
      const dir = path.join(formatDir, name);
      if (!statSync(dir).isDirectory()) continue;
      const source = readFileSync(path.join(dir, 'source.txt'), 'utf8');
      const repoPath = /^lockfile: (.+)$/m.exec(source)?.[1]?.trim();
      if (!repoPath) throw new Error(`${dir}/source.txt has no "lockfile:" line`);
      const fileName = path.basename(repoPath);
      const beforeFile = path.join(dir, 'before', fileName);
      const afterFile = path.join(dir, 'after', fileName);
      cases.push({
        id: `${format}/${name}`,
        dir,
        format,
        repoPath,
        beforeFile,
        afterFile,
        read: (side) => readFileSync(side === 'before' ? beforeFile : afterFile, 'utf8'),
        readText: (file) => readFileSync(path.join(dir, file), 'utf8'),
      });
    }
  }
  return cases;
}

/** The parser each fixture format folder is meant for. */
export function kindOfFormat(format: string): LockfileKind {
  const kinds: Record<string, LockfileKind> = {
    'npm-lockfile': 'npm',
    'yarn-classic': 'yarn',
    'yarn-berry': 'yarn',
    pnpm: 'pnpm',
    'requirements-txt': 'requirements',
    'poetry-lock': 'poetry',
    'pipfile-lock': 'pipenv',
    'uv-lock': 'uv',
  };
  for (const [prefix, kind] of Object.entries(kinds)) if (format.startsWith(prefix)) return kind;
  throw new Error(`no parser known for fixture format folder "${format}"`);
}

/** Non-empty lines of a text file, CRLF-safe. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}
