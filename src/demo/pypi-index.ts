// A throwaway Python package index over HTTP on 127.0.0.1, serving the wheel and sdist files of one
// directory the way PyPI's simple API does: PEP 503 HTML and PEP 691 JSON by content negotiation,
// sha256 fragments, `data-requires-python`, PEP 592 yanking (from a `yanked.txt` in the directory:
// one file name per line, optionally followed by the reason) and PEP 658/714 core metadata
// (`<file>.metadata`, read from the wheel). pip installs from it with `--index-url <url>`.
// The directory is read again on every request, so files added while it runs are served.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readZip } from './wheels.ts';

export interface PypiIndex {
  /** The simple index URL for pip's --index-url, e.g. "http://127.0.0.1:41234/simple/". */
  url: string;
  /** http://127.0.0.1:PORT (no trailing slash). */
  origin: string;
  stop(): Promise<void>;
}

interface DistFile {
  filename: string;
  project: string;
  version: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  requiresPython?: string;
  /** Core metadata text, for wheels. */
  metadata?: string;
  yanked: string | true | false;
}

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const HTML_TYPE = 'application/vnd.pypi.simple.v1+html';

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Project and version from a file name: wheels by their dash fields, sdists by the last "-<digit>". */
function parseFilename(filename: string): { project: string; version: string } | null {
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    return parts.length >= 5 ? { project: normalise(parts[0]), version: parts[1] } : null;
  }
  const match = /^(.+?)-(\d[^-]*)\.(tar\.gz|zip|tar\.bz2|tar\.xz)$/.exec(filename);
  return match ? { project: normalise(match[1]), version: match[2] } : null;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The media type to answer with, from the Accept header's q-values (PEP 691 content negotiation). */
function negotiate(accept: string | undefined): 'json' | 'html' | null {
  if (!accept) return 'html';
  let best: { kind: 'json' | 'html'; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    let kind: 'json' | 'html' | null = null;
    if (type === JSON_TYPE || type === 'application/vnd.pypi.simple.latest+json') kind = 'json';
    else if (type === HTML_TYPE || type === 'application/vnd.pypi.simple.latest+html' || type === 'text/html' || type === '*/*') kind = 'html';
    if (kind && q > 0 && (!best || q > best.q)) best = { kind, q };
  }
  return best?.kind ?? null;
}

export async function startPypiIndex(packagesDir: string): Promise<PypiIndex> {
  const cache = new Map<string, DistFile>();

  async function readYanked(): Promise<Map<string, string | true>> {
    const yanked = new Map<string, string | true>();
    const text = await readFile(path.join(packagesDir, 'yanked.txt'), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (!trimmed || trimmed.startsWith('#')) continue;
      const [file, ...reason] = trimmed.split(/\s+/);
      yanked.set(file, reason.length > 0 ? reason.join(' ') : true);
    }
    return yanked;
  }

  async function scan(): Promise<DistFile[]> {
    const yanked = await readYanked();
    const files: DistFile[] = [];
    for (const filename of (await readdir(packagesDir)).sort()) {
      const parsed = parseFilename(filename);
      if (!parsed) continue;
      const abs = path.join(packagesDir, filename);
      const info = await stat(abs);
      let entry = cache.get(filename);
      if (!entry || entry.mtimeMs !== info.mtimeMs || entry.size !== info.size) {
        const data = await readFile(abs);
        entry = { filename, ...parsed, size: info.size, mtimeMs: info.mtimeMs, sha256: createHash('sha256').update(data).digest('hex'), yanked: false };
        if (filename.endsWith('.whl')) {
          try {
            const zip = readZip(data);
            const metadataName = [...zip.keys()].find((k) => /^[^/]+\.dist-info\/METADATA$/.test(k));
            if (metadataName) {
              entry.metadata = zip.get(metadataName)!.toString('utf8');
              const requires = /^Requires-Python:\s*(.+)$/m.exec(entry.metadata.split(/\n\n/)[0]);
              if (requires) entry.requiresPython = requires[1].trim();
            }
          } catch {
            // A broken wheel is still listed: pip, not the index, should be the one to fail on it.
          }
        }
        cache.set(filename, entry);
      }
      files.push({ ...entry, yanked: yanked.get(filename) ?? false });
    }
    return files;
  }

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, { 'content-type': type, 'content-length': String(data.length), ...extra });
    res.end(data);
  }

  function metadataHash(file: DistFile): string | null {
    return file.metadata === undefined ? null : createHash('sha256').update(file.metadata, 'utf8').digest('hex');
  }

  function projectHtml(project: string, files: DistFile[]): string {
    const links = files.map((f) => {
      const attrs = [`href="../../files/${encodeURIComponent(f.filename)}#sha256=${f.sha256}"`];
      if (f.requiresPython) attrs.push(`data-requires-python="${escapeHtml(f.requiresPython)}"`);
      if (f.yanked !== false) attrs.push(f.yanked === true ? 'data-yanked=""' : `data-yanked="${escapeHtml(f.yanked)}"`);
      const meta = metadataHash(f);
      if (meta) attrs.push(`data-core-metadata="sha256=${meta}"`, `data-dist-info-metadata="sha256=${meta}"`);
      return `    <a ${attrs.join(' ')}>${escapeHtml(f.filename)}</a><br/>`;
    });
    return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${escapeHtml(project)}</title>\n  </head>\n  <body>\n    <h1>Links for ${escapeHtml(project)}</h1>\n${links.join('\n')}\n  </body>\n</html>\n`;
  }

  function projectJson(project: string, files: DistFile[], origin: string): string {
    const versions = [...new Set(files.map((f) => f.version))];
    return JSON.stringify({
      meta: { 'api-version': '1.1' },
      name: project,
      versions,
      files: files.map((f) => {
        const meta = metadataHash(f);
        return {
          filename: f.filename,
          url: `${origin}/files/${encodeURIComponent(f.filename)}`,
          hashes: { sha256: f.sha256 },
          'requires-python': f.requiresPython ?? null,
          yanked: f.yanked,
          // PEP 714: JSON says `core-metadata` only. pip 22.3–23.0 (Debian 12's, and the one its pypy3 venvs
          // bundle) crash on a `dist-info-metadata` dict ("unhashable type: 'dict'"); newer pips read this key.
          'core-metadata': meta ? { sha256: meta } : false,
          size: f.size,
        };
      }),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });

    if (parts[0] === 'simple') {
      const kind = negotiate(req.headers.accept);
      if (kind === null) return send(res, 406, 'text/plain', `acceptable types: ${JSON_TYPE}, ${HTML_TYPE}, text/html\n`);
      const files = await scan();
      const vary = { vary: 'Accept' };
      if (parts.length === 1) {
        if (!url.pathname.endsWith('/')) return send(res, 301, 'text/plain', '', { location: '/simple/' });
        const projects = [...new Set(files.map((f) => f.project))].sort();
        if (kind === 'json') {
          return send(res, 200, JSON_TYPE, JSON.stringify({ meta: { 'api-version': '1.1' }, projects: projects.map((name) => ({ name })) }), vary);
        }
        const links = projects.map((p) => `    <a href="${encodeURIComponent(p)}/">${escapeHtml(p)}</a><br/>`).join('\n');
        return send(res, 200, `${HTML_TYPE}; charset=utf-8`, `<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.1"><title>Simple index</title></head>\n  <body>\n${links}\n  </body>\n</html>\n`, vary);
      }
      if (parts.length === 2) {
        const project = normalise(parts[1]);
        // PEP 503: a non-normalised name (or a missing slash) redirects to the normalised URL.
        if (project !== parts[1] || !url.pathname.endsWith('/')) return send(res, 301, 'text/plain', '', { location: `/simple/${project}/` });
        const mine = files.filter((f) => f.project === project);
        if (mine.length === 0) return send(res, 404, 'text/plain', `no project named ${project}\n`);
        return kind === 'json'
          ? send(res, 200, JSON_TYPE, projectJson(project, mine, origin), vary)
          : send(res, 200, `${HTML_TYPE}; charset=utf-8`, projectHtml(project, mine), vary);
      }
    }

    if (parts[0] === 'files' && parts.length === 2) {
      const name = parts[1];
      if (name.endsWith('.metadata')) {
        const file = (await scan()).find((f) => f.filename === name.slice(0, -'.metadata'.length));
        if (file?.metadata === undefined) return send(res, 404, 'text/plain', 'no metadata\n');
        return send(res, 200, 'text/plain; charset=utf-8', file.metadata);
      }
      if (!parseFilename(name) || name.includes('/') || name.startsWith('.')) return send(res, 404, 'text/plain', 'not found\n');
      const data = await readFile(path.join(packagesDir, name)).catch(() => null);
      if (data === null) return send(res, 404, 'text/plain', 'not found\n');
      return send(res, 200, name.endsWith('.whl') ? 'application/zip' : 'application/octet-stream', data);
    }
    return send(res, 404, 'text/plain', 'not found\n');
  }

  let origin = '';
  const server = createServer((req, res) => {
    handle(req, res, origin).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `${err.message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the package index did not get a port');
  origin = `http://127.0.0.1:${address.port}`;
  let stopped: Promise<void> | undefined;
  return {
    url: `${origin}/simple/`,
    origin,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
