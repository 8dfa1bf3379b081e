// Which runtime each side runs on, read from real commits and found on this machine (Python: no download):
// a flag beats the commit's pins, the nearest pin beats the root's, the config only fills in, and nothing
// asked means the machine's own. A runtime that is not there fails before any install.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { resolveSideRuntimes } from '../../src/pipeline/side-runtimes.ts';
import { UserFacingError } from '../../src/pipeline/errors.ts';
import { commitOnBranch, createRepo, git, tempDir } from '../helpers/git-repo.ts';

const config = (extra: Record<string, unknown> = {}) => configSchema.parse({ start: 'python server.py', scenarios: [{ name: 'a', path: '/' }], ...extra });
const cacheDir = tempDir('bumpbench-side-runtimes-');

async function sides(repo: string, opts: { config?: Record<string, unknown>; baseFlag?: string; headFlag?: string; head?: string } = {}) {
  const baseSha = git(repo, 'rev-parse', 'main');
  const headSha = git(repo, 'rev-parse', opts.head ?? 'main');
  return resolveSideRuntimes({ repoDir: repo, baseSha, headSha, config: config(opts.config), baseFlag: opts.baseFlag, headFlag: opts.headFlag, cacheDir });
}

describe('side runtimes', () => {
  it('runs each side on what its own commit pins, the config only where nothing is pinned', async () => {
    const repo = createRepo({ 'server.py': '', 'requirements.txt': '', '.python-version': 'pypy3\n' });
    commitOnBranch(repo, 'cpython', { '.python-version': '3.11\n' }, 'CPython');
    const r = await sides(repo, { head: 'cpython', config: { runtime: { python: '3.12' } } });
    expect(r.base).toEqual([expect.objectContaining({ implementation: 'pypy', requested: { kind: 'python', spec: 'pypy3', from: '.python-version' } })]);
    expect(r.head).toEqual([expect.objectContaining({ implementation: 'cpython', version: expect.stringMatching(/^3\.11\./) })]);
    expect(r.notes).toEqual(['`runtime.python` of the config ("3.12") is not used: .python-version pins pypy3.']);
    expect(r.changes).toEqual([]);
  });

  it('lets a flag override the pin, and records the change the flags make', async () => {
    const repo = createRepo({ 'server.py': '', 'requirements.txt': '', '.python-version': '3.11\n' });
    const r = await sides(repo, { headFlag: 'pypy3' });
    expect(r.base[0]).toMatchObject({ implementation: 'cpython', requested: { from: '.python-version' } });
    expect(r.head[0]).toMatchObject({ implementation: 'pypy', requested: { spec: 'pypy3', from: '--head-runtime' } });
    expect(r.changes).toEqual([{ ecosystem: 'runtime', name: 'python', from: '3.11', to: 'pypy3', field: '--base-runtime/--head-runtime', scope: 'runtime', direct: true }]);
  });

  it('takes the pin nearest to the project dir, then the config, then the machine', async () => {
    const monorepo = createRepo({ '.python-version': '3.11\n', 'apps/api/.python-version': 'pypy3\n', 'apps/api/server.py': '' });
    const nearest = await sides(monorepo, { config: { cwd: 'apps/api' } });
    expect(nearest.base[0]).toMatchObject({ implementation: 'pypy', requested: { from: 'apps/api/.python-version' } });

    const plain = createRepo({ 'server.py': '', 'requirements.txt': '', 'package.json': JSON.stringify({ engines: { node: '>=18' } }) });
    const configured = await sides(plain, { config: { runtime: { python: 'pypy3' } } });
    expect(configured.base.find((r) => r.kind === 'python')).toMatchObject({ implementation: 'pypy', requested: { from: 'config runtime.python' } });
    // engines ">=18" pins nothing: the machine's own Node runs, and the report says why.
    expect(configured.base.find((r) => r.kind === 'node')).toMatchObject({ requested: null, origin: 'PATH', version: process.version.slice(1) });
    expect(configured.notes).toContainEqual(expect.stringMatching(/^base: package\.json engines\.node ">=18" pins no runtime bumpbench can provision \(.*several major versions.*\); base ran on this machine's Node\.js /));

    const machine = await sides(plain);
    expect(machine.base.find((r) => r.kind === 'python')).toMatchObject({ requested: null, origin: 'PATH', label: expect.stringMatching(/^(CPython|PyPy) /) });
  });

  it('fails at once, naming the side, when a pinned runtime is not on the machine', async () => {
    const repo = createRepo({ 'server.py': '', '.python-version': '3.4.10\n' });
    const err = await sides(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as Error).message).toMatch(/^base: CPython 3\.4\.10 \("3\.4\.10", from \.python-version\) is not installed on this machine .* Install it with `pyenv install 3\.4\.10`/);
    const flag = await sides(createRepo({ 'server.py': '' }), { baseFlag: 'ruby' }).catch((e: unknown) => e);
    expect((flag as Error).message).toMatch(/--base-runtime "ruby" is not a runtime/);
  });
});
