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
      // The lock's root lists nothing, so left-pad came with something else; a hand-written requirements.txt lists what it needs.
      { ecosystem: 'npm', name: 'left-pad', from: '1.0.0', to: '1.3.0', lockfile: 'services/api/package-lock.json', locations: ['node_modules/left-pad'], scope: 'runtime', direct: false },
      { ecosystem: 'pypi', name: 'requests', from: '2.31.0', to: '2.32.3', lockfile: 'services/worker/requirements.txt', scope: 'runtime', direct: true },
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
        scope: 'runtime', direct: true,
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
    expect(changes).toEqual([{ ecosystem: 'runtime', name: 'python', from: '3.11-slim', to: '3.12-slim', lockfile: 'Dockerfile', scope: 'runtime', direct: true }]);
    expect(notes).toEqual([]);
  });
});

describe('hostile lockfiles', () => {
  /** A pnpm-lock.yaml of about 2 MB whose aliases would expand to billions of nodes. */
  function aliasBomb(): string {
    const lines = ["lockfileVersion: '6.0'", 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('packages:');
    for (let i = 0, size = 0; size < 2_000_000; i++) {
      const entry = `  /pkg-${i}@1.0.${i}:\n    resolution: {integrity: sha512-${'x'.repeat(40)}}\n    dev: false`;
      lines.push(entry);
      size += entry.length + 1;
    }
    lines.push(`bomb: *a11`);
    return lines.join('\n') + '\n';
  }

  it('refuses a 2 MB alias bomb with a note, while the event loop keeps answering', async () => {
    const repo = createRepo({ 'pnpm-lock.yaml': "lockfileVersion: '6.0'\npackages: {}\n", 'package-lock.json': npmLock({ qs: '6.5.1' }) });
    commitOnBranch(repo, 'bump', { 'pnpm-lock.yaml': aliasBomb(), 'package-lock.json': npmLock({ qs: '6.5.3' }) }, 'Bump things');
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 20);
    const started = performance.now();
    const { changes, notes } = await lockfileChanges(repo, git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', 'bump'));
    clearInterval(ticker);
    expect(performance.now() - started).toBeLessThan(60_000);
    // The readable lockfile is still read; the bomb becomes a note saying why.
    expect(changes.map((c) => `${c.name} ${c.from} → ${c.to}`)).toEqual(['qs 6.5.1 → 6.5.3']);
    expect(notes).toEqual([expect.stringMatching(/Could not read pnpm-lock\.yaml: .*refused: its YAML aliases expand too far/i)]);
    expect(longestGap).toBeLessThan(1_000);
  }, 90_000);

  it('does not read a lockfile over the size cap', async () => {
    const repo = createRepo({ 'package-lock.json': npmLock({ qs: '6.5.1' }) });
    const huge = npmLock({ qs: '6.5.3' }).replace('"name":"app"', `"name":"app","padding":"${'x'.repeat(33 * 1024 ** 2)}"`);
    commitOnBranch(repo, 'bump', { 'package-lock.json': huge }, 'Bump qs');
    const { changes, notes } = await lockfileChanges(repo, git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', 'bump'));
    expect(changes).toEqual([]);
    expect(notes).toEqual([expect.stringMatching(/Did not read package-lock\.json: 33\.0 MiB is over the 32 MiB/)]);
  }, 90_000);
});
