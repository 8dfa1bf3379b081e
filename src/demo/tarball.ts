// A minimal writer for npm package tarballs (gzipped ustar, every entry under `package/`). Building them in
// process takes milliseconds, where `npm pack` per release would cost a second of npm start-up each, and a
// fixed mtime makes the bytes (hence the integrity hashes) identical on every run.
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

export interface TarEntry {
  /** Path inside the archive, e.g. "package/index.js". */
  path: string;
  content: Buffer | string;
  /** File mode, 0o644 by default. */
  mode?: number;
}

/** The date npm itself stamps on files in reproducible tarballs. */
const FIXED_MTIME = Date.UTC(1985, 9, 26, 8, 15, 0) / 1000;
const BLOCK = 512;

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar header field too long: "${value}"`);
  bytes.copy(header, offset);
}

/** Octal number, zero padded, followed by a NUL, filling `length` bytes. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function headerFor(path: string, size: number, mode: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  // Paths over 100 bytes would need the ustar prefix field; our packages never have such paths.
  writeString(header, 0, 100, path);
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, FIXED_MTIME);
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  writeString(header, 156, 1, '0'); // regular file
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return header;
}

/** A gzipped tar archive of the entries, in the given order. */
export function createTarGz(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content;
    parts.push(headerFor(entry.path, data.length, entry.mode ?? 0o644), data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

/** The `dist` hashes npm records for a tarball: sha1 hex `shasum` and SRI sha512 `integrity`. */
export function tarballHashes(tarball: Buffer): { shasum: string; integrity: string } {
  return {
    shasum: createHash('sha1').update(tarball).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
  };
}
