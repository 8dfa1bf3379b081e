// The local package index and the wheels it serves, checked the way pip and Python see them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPypiIndex, type PypiIndex } from '../../src/demo/pypi-index.ts';
import { buildExampleWheels, buildWheelFromFiles, readZip, type BuiltLibrary } from '../../src/demo/wheels.ts';
import { tempDir } from '../ecosystems/helpers.ts';

const work = tempDir('bumpbench-pypi-index-');
const wheelsDir = path.join(work, 'wheels');
let index: PypiIndex;
let built: BuiltLibrary[];

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

beforeAll(async () => {
  built = await buildExampleWheels(wheelsDir);
  index = await startPypiIndex(wheelsDir);
});

afterAll(async () => {
  await index?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('wheels', () => {
  it('builds cloudsig 1.0.0 … 1.9.0 (with a prerelease and a yanked release) as wheels Python itself accepts', async () => {
    const cloudsig = built.find((b) => b.name === 'cloudsig')!;
    expect(cloudsig.wheels.map((w) => w.filename)).toContain('cloudsig-1.0.0-py3-none-any.whl');
    expect(cloudsig.wheels.map((w) => w.filename)).toContain('cloudsig-1.9.0-py3-none-any.whl');
    expect(cloudsig.yanked).toEqual(['1.8.1']);
    // zipfile's CRC check, and every RECORD line's hash and size against the archive's bytes.
    const check = `
import base64, hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
record = [n for n in z.namelist() if n.endswith('.dist-info/RECORD')][0]
for line in z.read(record).decode().splitlines():
    name, digest, size = line.rsplit(',', 2)
    if name == record: continue
    data = z.read(name)
    assert digest == 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode(), name
    assert int(size) == len(data), name
print(z.read('cloudsig/__init__.py').decode())
`;
    const wheel = cloudsig.wheels.find((w) => w.filename.includes('-1.6.0-'))!;
    expect(execFileSync('python3', ['-c', check, wheel.path], { encoding: 'utf8' })).toContain('__version__ = "1.6.0"');
    expect(readZip(await readFile(wheel.path)).get('cloudsig/region.py')?.toString()).toContain('CLOUDSIG_METADATA_URL');
    const older = cloudsig.wheels.find((w) => w.filename.includes('-1.5.0-'))!;
    expect(readZip(await readFile(older.path)).get('cloudsig/region.py')?.toString()).not.toContain('CLOUDSIG_METADATA_URL');
  });

  it('builds the same bytes every time', async () => {
    const a = await buildWheelFromFiles({ 'm/__init__.py': 'x = 1\n' }, { name: 'Same_Bytes', version: '1.0' }, path.join(work, 'a'));
    const b = await buildWheelFromFiles({ 'm/__init__.py': 'x = 1\n' }, { name: 'Same_Bytes', version: '1.0' }, path.join(work, 'b'));
    expect(a.filename).toBe('same_bytes-1.0-py3-none-any.whl');
    expect(a.sha256).toBe(b.sha256);
  });
});

describe('the local PEP 503 / PEP 691 index', () => {
  it('serves HTML links with sha256 fragments, requires-python, yanked and core-metadata attributes', async () => {
    const response = await fetch(`${index.url}cloudsig/`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.pypi\.simple\.v1\+html/);
    const html = await response.text();
    const wheel = built[0].wheels.find((w) => w.filename.includes('-1.8.1-'))!;
    const anchor = html.split('\n').find((l) => l.includes(wheel.filename))!;
    expect(anchor).toContain(`#sha256=${wheel.sha256}"`);
    expect(anchor).toContain('data-requires-python="&gt;=3.8"');
    expect(anchor).toMatch(/data-yanked="presign_url produced links/);
    const metaHash = /data-core-metadata="sha256=([0-9a-f]+)"/.exec(anchor)![1];
    const metadata = await (await fetch(`${index.origin}/files/${wheel.filename}.metadata`)).text();
    expect(createHash('sha256').update(metadata).digest('hex')).toBe(metaHash);
    expect(metadata).toContain('Project-URL: Source, https://github.com/bumpbench-examples/cloudsig');
    const file = Buffer.from(await (await fetch(`${index.origin}/files/${wheel.filename}`)).arrayBuffer());
    expect(createHash('sha256').update(file).digest('hex')).toBe(wheel.sha256);
  });

  it('answers PEP 691 JSON when asked, and 406 for a type it cannot serve', async () => {
    const response = await fetch(`${index.url}cloudsig/`, { headers: { accept: `${JSON_TYPE}, text/html;q=0.1` } });
    expect(response.headers.get('content-type')).toBe(JSON_TYPE);
    const doc = (await response.json()) as { name: string; files: Array<{ filename: string; yanked: unknown; hashes: { sha256: string } }> };
    expect(doc.name).toBe('cloudsig');
    expect(doc.files.find((f) => f.filename.includes('-1.8.1-'))?.yanked).toMatch(/expired immediately/);
    expect(doc.files.find((f) => f.filename.includes('-1.9.0-'))?.yanked).toBe(false);
    const refused = await fetch(`${index.url}cloudsig/`, { headers: { accept: 'application/xml' } });
    expect(refused.status).toBe(406);
  });

  it('redirects non-normalised names (PEP 503), 404s unknown projects, and lists new files without a restart', async () => {
    const redirect = await fetch(`${index.url}CloudSig`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/simple/cloudsig/');
    expect((await fetch(`${index.url}nothing-here/`)).status).toBe(404);
    await buildWheelFromFiles({ 'late/__init__.py': '' }, { name: 'late', version: '0.1.0' }, wheelsDir);
    const root = await (await fetch(index.url, { headers: { accept: JSON_TYPE } })).json();
    expect((root as { projects: Array<{ name: string }> }).projects.map((p) => p.name)).toEqual(['cloudsig', 'late']);
    await writeFile(path.join(wheelsDir, 'yanked.txt'), 'late-0.1.0-py3-none-any.whl\n', { flag: 'a' });
    const page = await (await fetch(`${index.url}late/`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('data-yanked=""');
  });
});
