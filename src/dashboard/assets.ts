// Static files of the dashboard: the charting library straight from node_modules (uPlot, no CDN: the pages
// work offline) and our own script and stylesheet. Each is served under a name carrying a hash of its
// content, so browsers may keep it for a year (`immutable`) and a new release is a new name. Compressed once
// at start-up.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BASE_PATH } from './data.ts';

export interface Asset {
  /** The hashed file name the pages link to. */
  name: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

const require = createRequire(import.meta.url);

const SOURCES = {
  'uplot.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: () => fileURLToPath(new URL('./assets/dashboard.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: () => fileURLToPath(new URL('./assets/dashboard.css', import.meta.url)), type: 'text/css; charset=utf-8' },
} as const;

export type AssetId = keyof typeof SOURCES;

export class Assets {
  private readonly byName = new Map<string, Asset>();
  private readonly byId = new Map<AssetId, Asset>();

  constructor() {
    for (const [id, source] of Object.entries(SOURCES) as [AssetId, (typeof SOURCES)[AssetId]][]) {
      const body = readFileSync(source.file());
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      const [stem, ext] = id.split('.');
      const asset: Asset = { name: `${stem}.${hash}.${ext}`, type: source.type, body, gzip: gzipSync(body, { level: 9 }), etag: `"${hash}"` };
      this.byName.set(asset.name, asset);
      this.byId.set(id, asset);
    }
  }

  /** The URL a page links to. */
  url(id: AssetId): string {
    return `${BASE_PATH}/assets/${this.byId.get(id)!.name}`;
  }

  get(name: string): Asset | undefined {
    return this.byName.get(name);
  }
}
