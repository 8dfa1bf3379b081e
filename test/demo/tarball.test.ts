// The tarball writer checked against the system's tar: what it packs is what tar unpacks, byte for byte.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTarGz, tarballHashes } from '../../src/demo/tarball.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createTarGz', () => {
  it('writes an archive that tar lists and extracts with the same contents', () => {
    const big = 'x'.repeat(1500) + 'é\n'; // spans blocks, non-ASCII
    const archive = createTarGz([
      { path: 'package/package.json', content: '{"name":"a","version":"1.0.0"}\n' },
      { path: 'package/lib/big.js', content: big },
      { path: 'package/empty.txt', content: '' },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'bumpbench-tar-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.tgz'), archive);
    const listing = execFileSync('tar', ['-tzf', 'a.tgz'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(['package/package.json', 'package/lib/big.js', 'package/empty.txt']);
    execFileSync('tar', ['-xzf', 'a.tgz'], { cwd: dir });
    expect(readFileSync(join(dir, 'package/lib/big.js'), 'utf8')).toBe(big);
    expect(readFileSync(join(dir, 'package/empty.txt'), 'utf8')).toBe('');
    expect(statSync(join(dir, 'package/package.json')).mode & 0o777).toBe(0o644);
  });

  it('is reproducible: the same files give the same bytes and hashes', () => {
    const files = [{ path: 'package/index.js', content: 'module.exports = 1;\n' }];
    const a = createTarGz(files);
    const b = createTarGz(files);
    expect(a.equals(b)).toBe(true);
    expect(tarballHashes(a)).toEqual(tarballHashes(b));
    expect(tarballHashes(a).integrity).toMatch(/^sha512-[A-Za-z0-9+/]+=*$/);
    expect(tarballHashes(a).shasum).toMatch(/^[0-9a-f]{40}$/);
  });
});
