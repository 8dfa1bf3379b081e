// `bumpbench bisect` input handling: bad flags exit 2 with the usage; a --package the change does not
// update exits 1 naming the packages it does update, before anything is installed or measured.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { commitOnBranch, createRepo, tempDir } from '../helpers/git-repo.ts';

function lockfile(version: string): string {
  return JSON.stringify({
    name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true,
    packages: { '': { name: 'app', version: '1.0.0', dependencies: { 'left-pad': version } }, 'node_modules/left-pad': { version } },
  }, null, 2);
}

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['bisect', ...args], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('bumpbench bisect (input)', () => {
  it('exits 2 with the usage when --base or --head is missing, or a flag is unknown', async () => {
    for (const args of [['--head', 'x'], ['--base', 'x'], ['--base', 'a', '--head', 'b', '--bogus']]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/usage: bumpbench bisect \[--repo DIR\] --base REF --head REF \[--package NAME\]/);
    }
  });

  it('is listed in the help', async () => {
    const out: string[] = [];
    await main(['help'], { stdout: (t) => out.push(t), stderr: () => {} });
    expect(out.join('\n')).toMatch(/bumpbench bisect --repo DIR --base REF --head REF/);
  });

  it('refuses a --package the change does not update, naming the ones it does', async () => {
    const repo = createRepo({ 'package.json': '{"name":"app","version":"1.0.0"}', 'package-lock.json': lockfile('1.0.0') });
    commitOnBranch(repo, 'bump', { 'package-lock.json': lockfile('1.1.0') }, 'Bump left-pad');
    const config = path.join(tempDir(), 'bumpbench.yml');
    writeFileSync(config, 'start: node server.js\nscenarios:\n  - { name: home, path: / }\n');
    const r = await run(['--repo', repo, '--base', 'main', '--head', 'bump', '--package', 'lodash', '--config', config, '--data-dir', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--package lodash: not among the packages this change updates \(left-pad\)/);
  });
});
