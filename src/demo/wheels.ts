// Pure-Python wheels (`py3-none-any`) built in process, with no `wheel` or `build` package and no PyPI:
// a wheel is a zip of the package files plus `<name>-<version>.dist-info/{METADATA,WHEEL,RECORD}`
// (PEP 427, PEP 566). Also reads examples/python-packages/<lib>/releases.json, the one source tree and
// per-release file variants the example libraries are built from.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { exampleRoot } from './example-paths.ts';

// ---------------------------------------------------------------------------------------------- zip

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** 1980-01-01 00:00 in DOS format: the earliest zip can say, and the same bytes on every build. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export interface ZipEntry {
  path: string;
  content: Buffer | string;
}

/** A deflated zip archive of the entries, in the given order, with fixed timestamps (reproducible). */
export function createZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.path, 'utf8');
    const data = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content;
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** The files of a zip archive (stored or deflated entries; enough for wheels). */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i -= 1) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let pos = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n += 1) {
    if (zip.readUInt32LE(pos) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(pos + 10);
    const compressedSize = zip.readUInt32LE(pos + 20);
    const nameLength = zip.readUInt16LE(pos + 28);
    const extraLength = zip.readUInt16LE(pos + 30);
    const commentLength = zip.readUInt16LE(pos + 32);
    const localOffset = zip.readUInt32LE(pos + 42);
    const name = zip.subarray(pos + 46, pos + 46 + nameLength).toString('utf8');
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    if (method === 0) files.set(name, Buffer.from(raw));
    else if (method === 8) files.set(name, inflateRawSync(raw));
    pos += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

// -------------------------------------------------------------------------------------------- wheels

export interface WheelMetadata {
  /** The project name as published, e.g. "cloudsig". */
  name: string;
  version: string;
  summary?: string;
  requiresPython?: string;
  /** `Project-URL` entries, label → URL (e.g. { Source: "https://github.com/o/r", Changelog: … }). */
  projectUrls?: Record<string, string>;
  /** `Requires-Dist` lines. */
  requiresDist?: string[];
  description?: string;
}

export interface BuiltWheel {
  filename: string;
  /** Absolute path of the written wheel. */
  path: string;
  sha256: string;
  /** The METADATA file's text (PEP 658 serves it next to the wheel). */
  metadata: string;
}

/** PEP 427 escaping of the name in wheel file names and the dist-info folder. */
export function wheelDistName(name: string): string {
  return name.replace(/[-_.]+/g, '_').toLowerCase();
}

function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

function metadataText(meta: WheelMetadata): string {
  const lines = ['Metadata-Version: 2.1', `Name: ${meta.name}`, `Version: ${meta.version}`];
  if (meta.summary) lines.push(`Summary: ${meta.summary}`);
  for (const [label, url] of Object.entries(meta.projectUrls ?? {})) lines.push(`Project-URL: ${label}, ${url}`);
  if (meta.requiresPython) lines.push(`Requires-Python: ${meta.requiresPython}`);
  for (const req of meta.requiresDist ?? []) lines.push(`Requires-Dist: ${req}`);
  lines.push('Description-Content-Type: text/markdown');
  return `${lines.join('\n')}\n\n${meta.description ?? ''}`;
}

/**
 * Writes `<dist>-<version>-py3-none-any.whl` into outDir from `files` (archive path → content, e.g.
 * "cloudsig/__init__.py"). The bytes are the same on every build of the same input.
 */
export async function buildWheelFromFiles(files: Record<string, Buffer | string>, meta: WheelMetadata, outDir: string): Promise<BuiltWheel> {
  const dist = wheelDistName(meta.name);
  const distInfo = `${dist}-${meta.version}.dist-info`;
  const entries: ZipEntry[] = Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, content]) => ({ path: p, content: typeof content === 'string' ? Buffer.from(content, 'utf8') : content }));
  const metadata = metadataText(meta);
  entries.push({ path: `${distInfo}/METADATA`, content: Buffer.from(metadata, 'utf8') });
  entries.push({ path: `${distInfo}/WHEEL`, content: Buffer.from('Wheel-Version: 1.0\nGenerator: bumpbench-demo\nRoot-Is-Purelib: true\nTag: py3-none-any\n', 'utf8') });
  const record = entries.map((e) => `${e.path},${recordHash(e.content as Buffer)},${(e.content as Buffer).length}`);
  record.push(`${distInfo}/RECORD,,`);
  entries.push({ path: `${distInfo}/RECORD`, content: `${record.join('\n')}\n` });

  const zip = createZip(entries);
  const filename = `${dist}-${meta.version}-py3-none-any.whl`;
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, filename);
  await writeFile(file, zip);
  return { filename, path: file, sha256: createHash('sha256').update(zip).digest('hex'), metadata };
}

async function collectFiles(dir: string, prefix = ''): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === '__pycache__' || entry.name.startsWith('.')) continue;
    const abs = path.join(dir, entry.name);
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, await collectFiles(abs, rel));
    else if (entry.isFile() && !entry.name.endsWith('.pyc')) out[rel] = await readFile(abs);
  }
  return out;
}

/**
 * Builds a wheel from a source directory holding the import packages (e.g. `src/` with `mylib/…`).
 * `__VERSION__` in text files becomes the version.
 */
export async function buildWheel(sourceDir: string, meta: WheelMetadata, outDir: string): Promise<BuiltWheel> {
  const files = await collectFiles(sourceDir);
  const withVersion: Record<string, Buffer | string> = {};
  for (const [p, data] of Object.entries(files)) {
    withVersion[p] = /\.(py|pyi|txt|md|cfg|toml|json)$/.test(p) ? data.toString('utf8').replaceAll('__VERSION__', meta.version) : data;
  }
  return buildWheelFromFiles(withVersion, meta, outDir);
}

// -------------------------------------------------------------------------- example libraries

const fileMap = z.record(z.string().regex(/^[\w./-]+$/, 'a relative path'), z.string().min(1));

const releaseSchema = z.strictObject({
  version: z.string().min(1),
  notes: z.string().min(1),
  /** Files this release changes: path in the wheel → source file in the library folder. */
  files: fileMap.optional(),
  /** Listed in the index's yanked.txt with this reason (PEP 592). */
  yanked: z.string().min(1).optional(),
});

const librarySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/),
  summary: z.string().min(1),
  requiresPython: z.string().optional(),
  projectUrls: z.record(z.string(), z.string()).optional(),
  files: fileMap,
  releases: z.array(releaseSchema).min(1),
});

export type PythonExampleRelease = z.output<typeof releaseSchema>;
export type PythonExampleLibrary = z.output<typeof librarySchema> & { dir: string };

/** `examples/python-packages/`: one folder per example Python library, each with a releases.json. */
export function pythonPackagesDir(): string {
  return path.join(exampleRoot(), 'python-packages');
}

export async function loadPythonLibrary(dir: string): Promise<PythonExampleLibrary> {
  const file = path.join(dir, 'releases.json');
  const parsed = librarySchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file} is invalid:\n  ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n  ')}`);
  }
  return { ...parsed.data, dir };
}

function changelog(lib: PythonExampleLibrary, upTo: number): string {
  const lines = lib.releases
    .slice(0, upTo + 1)
    .reverse()
    .map((r) => `- **${r.version}**${r.yanked ? ' (yanked)' : ''}: ${r.notes}`);
  return `# Changelog\n\n${lines.join('\n')}\n`;
}

/** One release of an example library: its base files with every release's variants up to it applied. */
export async function buildLibraryRelease(lib: PythonExampleLibrary, version: string, outDir: string): Promise<BuiltWheel> {
  const index = lib.releases.findIndex((r) => r.version === version);
  if (index < 0) throw new Error(`${lib.name} has no release ${version} in ${lib.dir}/releases.json`);
  const mapping: Record<string, string> = { ...lib.files };
  for (const r of lib.releases.slice(0, index + 1)) Object.assign(mapping, r.files ?? {});
  const files: Record<string, string> = {};
  for (const [target, source] of Object.entries(mapping)) {
    files[target] = (await readFile(path.join(lib.dir, source), 'utf8')).replaceAll('__VERSION__', version);
  }
  return buildWheelFromFiles(
    files,
    {
      name: lib.name,
      version,
      summary: lib.summary,
      requiresPython: lib.requiresPython,
      projectUrls: lib.projectUrls,
      description: `# ${lib.name}\n\n${lib.summary}\n\n${changelog(lib, index)}`,
    },
    outDir,
  );
}

export interface BuiltLibrary {
  name: string;
  wheels: BuiltWheel[];
  /** Versions listed as yanked in outDir/yanked.txt. */
  yanked: string[];
}

/**
 * Builds every release of an example library into outDir and appends its yanked releases to
 * outDir/yanked.txt, the file startPypiIndex reads. Default: every library of examples/python-packages.
 */
export async function buildExampleWheels(outDir: string, libraryDirs?: string[]): Promise<BuiltLibrary[]> {
  const dirs = libraryDirs ?? (await readdir(pythonPackagesDir(), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => path.join(pythonPackagesDir(), e.name));
  const built: BuiltLibrary[] = [];
  const yankedLines: string[] = [];
  for (const dir of dirs.sort()) {
    if (!existsSync(path.join(dir, 'releases.json'))) continue;
    const lib = await loadPythonLibrary(dir);
    const wheels: BuiltWheel[] = [];
    const yanked: string[] = [];
    for (const release of lib.releases) {
      const wheel = await buildLibraryRelease(lib, release.version, outDir);
      wheels.push(wheel);
      if (release.yanked) {
        yanked.push(release.version);
        yankedLines.push(`${wheel.filename} ${release.yanked}`);
      }
    }
    built.push({ name: lib.name, wheels, yanked });
  }
  if (yankedLines.length > 0) {
    const yankedFile = path.join(outDir, 'yanked.txt');
    const existing = existsSync(yankedFile) ? await readFile(yankedFile, 'utf8') : '';
    const known = new Set(existing.split('\n').map((l) => l.trim().split(/\s+/)[0]));
    const fresh = yankedLines.filter((l) => !known.has(l.split(' ')[0]));
    if (fresh.length > 0) await writeFile(yankedFile, `${existing}${existing && !existing.endsWith('\n') ? '\n' : ''}${fresh.join('\n')}\n`);
  }
  return built;
}

