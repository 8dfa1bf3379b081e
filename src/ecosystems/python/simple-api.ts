// A project's files from a Python package index: the PEP 691 JSON simple API when the index speaks it,
// else the PEP 503 HTML page (with PEP 592 yanked and PEP 658/714 core-metadata attributes). Versions
// come from the file names (wheel and sdist), as pip reads them.
import { registryGet, redactUrl } from '../shared/http.ts';
import { RegistryError, type EcosystemContext } from '../types.ts';
import { canonicalVersion, normaliseName } from './versions.ts';

export interface IndexFile {
  filename: string;
  /** Absolute URL, fragment removed. */
  url: string;
  version: string;
  kind: 'wheel' | 'sdist';
  hashes: Record<string, string>;
  requiresPython?: string;
  /** false, true, or the reason (PEP 592). */
  yanked: boolean | string;
  /** URL of the file's core metadata (PEP 658), when the index serves it. */
  metadataUrl?: string;
  uploadTime?: string;
}

export interface ProjectPage {
  name: string;
  /** The page URL that answered. */
  url: string;
  format: 'json' | 'html';
  files: IndexFile[];
}

const ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
const SDIST_SUFFIXES = ['.tar.gz', '.zip', '.tar.bz2', '.tar.xz', '.tgz', '.tar'];

/**
 * The version in a distribution file name, or null when the name is not one of `project`'s wheels or
 * sdists. Wheel names escape "-" in the name and version, so the version is the second dash field;
 * legacy sdists may keep dashes in the name, so the name part is matched against the project name.
 */
export function versionFromFilename(filename: string, project: string): { version: string; kind: 'wheel' | 'sdist' } | null {
  const wanted = normaliseName(project);
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length < 5 || parts.length > 6) return null;
    if (normaliseName(parts[0]) !== wanted) return null;
    const version = canonicalVersion(parts[1]);
    return version ? { version, kind: 'wheel' } : null;
  }
  const suffix = SDIST_SUFFIXES.find((s) => filename.toLowerCase().endsWith(s));
  if (!suffix) return null;
  const stem = filename.slice(0, -suffix.length);
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normaliseName(stem.slice(0, i)) === wanted) {
      const version = canonicalVersion(stem.slice(i + 1));
      return version ? { version, kind: 'sdist' } : null;
    }
  }
  return null;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (whole, code: string) => {
    const lower = code.toLowerCase();
    if (lower === 'amp') return '&';
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'quot') return '"';
    if (lower === 'apos' || lower === '#39') return "'";
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return whole;
  });
}

function parseAttributes(tag: string): Map<string, string | true> {
  const attrs = new Map<string, string | true>();
  const re = /([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const match of tag.matchAll(re)) {
    const value = match[2] ?? match[3] ?? match[4];
    attrs.set(match[1].toLowerCase(), value === undefined ? true : decodeEntities(value));
  }
  return attrs;
}

function hashesFromFragment(url: URL): Record<string, string> {
  const fragment = url.hash.replace(/^#/, '');
  const match = /^(md5|sha1|sha224|sha256|sha384|sha512)=([0-9a-f]+)$/i.exec(fragment);
  return match ? { [match[1].toLowerCase()]: match[2].toLowerCase() } : {};
}

function withoutFragment(url: URL): string {
  const copy = new URL(url);
  copy.hash = '';
  return copy.toString();
}

/** The file list of a PEP 503 HTML project page. */
export function parseHtmlPage(html: string, pageUrl: string, project: string): IndexFile[] {
  const base = /<base\s[^>]*href\s*=\s*["']([^"']+)["']/i.exec(html)?.[1];
  const resolveBase = base ? new URL(decodeEntities(base), pageUrl).toString() : pageUrl;
  const files: IndexFile[] = [];
  for (const match of html.matchAll(/<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
    const attrs = parseAttributes(match[1]);
    const href = attrs.get('href');
    if (typeof href !== 'string') continue;
    const url = new URL(href, resolveBase);
    const filename = decodeEntities(match[2].replace(/<[^>]*>/g, '').trim()) || decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const parsed = versionFromFilename(filename, project);
    if (!parsed) continue;
    const yanked = attrs.get('data-yanked');
    const requires = attrs.get('data-requires-python');
    const metadata = attrs.get('data-core-metadata') ?? attrs.get('data-dist-info-metadata');
    const file: IndexFile = {
      filename,
      url: withoutFragment(url),
      ...parsed,
      hashes: hashesFromFragment(url),
      yanked: yanked === undefined ? false : yanked === true || yanked === '' ? true : yanked,
    };
    if (typeof requires === 'string' && requires) file.requiresPython = requires;
    if (metadata !== undefined && metadata !== 'false') file.metadataUrl = `${file.url}.metadata`;
    files.push(file);
  }
  return files;
}

interface JsonFile {
  filename?: unknown;
  url?: unknown;
  hashes?: unknown;
  'requires-python'?: unknown;
  yanked?: unknown;
  'core-metadata'?: unknown;
  'dist-info-metadata'?: unknown;
  'upload-time'?: unknown;
}

/** The file list of a PEP 691 JSON project page. */
export function parseJsonPage(body: string, pageUrl: string, project: string): IndexFile[] {
  let doc: { files?: JsonFile[] };
  try {
    doc = JSON.parse(body) as { files?: JsonFile[] };
  } catch {
    throw new RegistryError(`${redactUrl(pageUrl)} answered invalid JSON`, redactUrl(pageUrl));
  }
  const files: IndexFile[] = [];
  for (const entry of Array.isArray(doc.files) ? doc.files : []) {
    if (typeof entry.filename !== 'string' || typeof entry.url !== 'string') continue;
    const parsed = versionFromFilename(entry.filename, project);
    if (!parsed) continue;
    const url = new URL(entry.url, pageUrl);
    const hashes: Record<string, string> = {};
    if (entry.hashes && typeof entry.hashes === 'object') {
      for (const [algo, value] of Object.entries(entry.hashes as Record<string, unknown>)) if (typeof value === 'string') hashes[algo.toLowerCase()] = value.toLowerCase();
    }
    const metadata = entry['core-metadata'] ?? entry['dist-info-metadata'];
    const file: IndexFile = {
      filename: entry.filename,
      url: withoutFragment(url),
      ...parsed,
      hashes,
      yanked: entry.yanked === true ? true : typeof entry.yanked === 'string' && entry.yanked !== '' ? entry.yanked : entry.yanked === '' ? true : false,
    };
    if (typeof entry['requires-python'] === 'string' && entry['requires-python']) file.requiresPython = entry['requires-python'];
    if (metadata !== undefined && metadata !== false) file.metadataUrl = `${file.url}.metadata`;
    if (typeof entry['upload-time'] === 'string') file.uploadTime = entry['upload-time'];
    files.push(file);
  }
  return files;
}

/** Basic auth from credentials in the index URL (`https://user:token@host/simple/`), as pip sends it. */
function authHeaders(indexUrl: string): { url: string; headers: Record<string, string> } {
  const parsed = new URL(indexUrl);
  const headers: Record<string, string> = { accept: ACCEPT };
  if (parsed.username || parsed.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  return { url: parsed.toString(), headers };
}

/** The project page at one index, or null when the index does not have the project (404). */
export async function fetchProjectPage(indexUrl: string, project: string, ctx: Pick<EcosystemContext, 'signal' | 'timeoutMs'>): Promise<ProjectPage | null> {
  const { url: bareIndex, headers } = authHeaders(indexUrl);
  const name = normaliseName(project);
  const pageUrl = new URL(`${encodeURIComponent(name)}/`, bareIndex).toString();
  const response = await registryGet(pageUrl, headers, ctx);
  if (response.status === 404) return null;
  const isJson = /application\/vnd\.pypi\.simple\.v1\+json/i.test(response.contentType);
  const files = isJson ? parseJsonPage(response.body, response.url, name) : parseHtmlPage(response.body, response.url, name);
  return { name, url: response.url, format: isJson ? 'json' : 'html', files };
}

/** Fetches a file's core metadata (PEP 658) with the index's credentials. */
export async function fetchCoreMetadata(indexUrl: string, metadataUrl: string, ctx: Pick<EcosystemContext, 'signal' | 'timeoutMs'>): Promise<string | null> {
  const { headers } = authHeaders(indexUrl);
  const sameHost = new URL(indexUrl).host === new URL(metadataUrl).host;
  const send: Record<string, string> = sameHost && headers.authorization ? { authorization: headers.authorization } : {};
  const response = await registryGet(metadataUrl, send, ctx).catch(() => null);
  return response && response.status === 200 ? response.body : null;
}
