// Which packages a bump changed, read from real commits: every lockfile, and the message only as a hint.
import { describe, expect, it } from 'vitest';
import { lockfileChanges } from '../../src/pipeline/lockfile-changes.ts';
import { commitOnBranch, createRepo, git } from '../helpers/git-repo.ts';

const npmLock = (pkgs: Record<string, string>) =>
  JSON.stringify({
    name: 'app', lockfileVersion: 3,
    packages: { '': { name: 'app' }, ...Object.fromEntries(Object.entries(pkgs).map(([n, v]) => [`node_modules/${n}`, { version: v }])) },
  });

describe('lockfile changes of a compare', () => {
  it('reads every lockfile the commits differ in (monorepo) and notes where the message disagrees', async () => {
    const repo = createRepo({
      'services/api/package-lock.json': npmLock({ 'left-pad': '1.0.0', ms: '2.1.2' }),
      'services/worker/requirements.txt': 'requests==2.31.0\nurllib3==2.0.7\n',
      'README.md': 'hi',
    });
    commitOnBranch(
      repo, 'bump',
      {
        'services/api/package-lock.json': npmLock({ 'left-pad': '1.3.0', ms: '2.1.2' }),
        'services/worker/requirements.txt': 'requests==2.32.3\nurllib3==2.0.7\n',
      },
      'Bump left-pad from 1.0.0 to 1.2.0\n\nBumps [left-pad](https://github.com/x/left-pad) from 1.0.0 to 1.2.0.',
    );
    const { changes, notes } = await lockfileChanges(repo, git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', 'bump'));
    expect(changes).toEqual([
      { ecosystem: 'npm', name: 'left-pad', from: '1.0.0', to: '1.3.0', lockfile: 'services/api/package-lock.json', locations: ['node_modules/left-pad'] },
      { ecosystem: 'pypi', name: 'requests', from: '2.31.0', to: '2.32.3', lockfile: 'services/worker/requirements.txt' },
    ]);
    expect(notes).toEqual([expect.stringMatching(/left-pad 1\.0\.0 → 1\.2\.0.*lockfile says left-pad 1\.0\.0 → 1\.3\.0/)]);
  });

  it('takes the PR title and body as the hints when the App passes them, instead of the commit messages', async () => {
    const repo = createRepo({ 'package-lock.json': npmLock({ qs: '6.5.1' }) });
    commitOnBranch(repo, 'bump', { 'package-lock.json': npmLock({ qs: '6.5.3' }) }, 'squash of several commits');
    const [base, head] = [git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', 'bump')];
    expect((await lockfileChanges(repo, base, head)).notes).toEqual([]);
    const { notes } = await lockfileChanges(repo, base, head, { title: 'Bump qs from 6.5.1 to 6.5.2', body: '' });
    expect(notes).toEqual([expect.stringMatching(/qs 6\.5\.1 → 6\.5\.2.*lockfile says qs 6\.5\.1 → 6\.5\.3/)]);
  });

  it('sees a file: tarball dependency the message names, so the message and the lockfile agree', async () => {
    const lock = (version: string) =>
      JSON.stringify({
        name: 'app', lockfileVersion: 3,
        packages: {
          '': { name: 'app', dependencies: { regionkit: `file:vendor/regionkit-${version}.tgz` } },
          'node_modules/regionkit': { version, resolved: `file:vendor/regionkit-${version}.tgz`, integrity: 'sha512-x' },
        },
      });
    const repo = createRepo({ 'package-lock.json': lock('1.0.0') });
    commitOnBranch(repo, 'bump', { 'package-lock.json': lock('1.1.0') }, 'Bump regionkit from 1.0.0 to 1.1.0');
    const { changes, notes } = await lockfileChanges(repo, git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', 'bump'));
    expect(changes).toEqual([
      {
        ecosystem: 'npm', name: 'regionkit', from: '1.0.0', to: '1.1.0', lockfile: 'package-lock.json', locations: ['node_modules/regionkit'],
        source: { from: { kind: 'file', spec: 'file:vendor/regionkit-1.0.0.tgz' }, to: { kind: 'file', spec: 'file:vendor/regionkit-1.1.0.tgz' } },
      },
    ]);
    expect(notes).toEqual([]);
  });

  it('turns an unreadable lockfile into a note naming the file, not a failure', async () => {
    const repo = createRepo({ 'package-lock.json': npmLock({ a: '1.0.0' }) });
    commitOnBranch(repo, 'broken', { 'package-lock.json': npmLock({ a: '1.1.0' }).slice(0, 40) }, 'truncate');
    const { changes, notes } = await lockfileChanges(repo, git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', 'broken'));
    expect(changes).toEqual([]);
    expect(notes).toEqual([expect.stringMatching(/^Could not read package-lock\.json: .*package-lock\.json/)]);
  });

  it('reads runtime pins the commits changed, and a bot\'s words about them agree', async () => {
    const repo = createRepo({ 'Dockerfile': 'FROM python:3.11-slim\nCOPY . .\n', '.nvmrc': '20\n', 'package.json': JSON.stringify({ name: 'app', engines: { node: '>=18' } }) });
    commitOnBranch(
      repo, 'bump',
      { 'Dockerfile': 'FROM python:3.12-slim\nCOPY . .\n', 'package.json': JSON.stringify({ name: 'app', version: '2.0.0', engines: { node: '>=18' } }) },
      'Bump python from 3.11-slim to 3.12-slim\n\nBumps python from 3.11-slim to 3.12-slim.',
    );
    const { changes, notes } = await lockfileChanges(repo, git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', 'bump'));
    // package.json changed, but not its pins: no runtime change from it.
    expect(changes).toEqual([{ ecosystem: 'runtime', name: 'python', from: '3.11-slim', to: '3.12-slim', lockfile: 'Dockerfile' }]);
    expect(notes).toEqual([]);
  });
});
