// The only way out of an install's (or build's) network namespace: an HTTP proxy, run by bumpbench outside
// the sandbox on a unix socket that is bound into it, that forwards to package registries and refuses
// everything else: the App's own port, Redis, cloud metadata, the rest of the LAN. npm, yarn, pnpm, pip
// and git all honour HTTP(S)_PROXY; inside, proxy-bridge.cjs turns the socket into a loopback TCP port.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { chmod, rm } from 'node:fs/promises';

/** Hosts (any port) an install may reach by default: the public registries and where their packages live. */
export const DEFAULT_REGISTRY_HOSTS = [
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'repo.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'github.com',
  'codeload.github.com',
  'objects.githubusercontent.com',
  'nodejs.org',
];

/** "host", "host:port" or "[v6]:port", lower-cased; a URL is reduced to its host[:port]. */
export function normaliseHostEntry(entry: string): string {
  const trimmed = entry.trim().toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(trimmed)) {
    const url = new URL(trimmed);
    return url.port ? `${url.hostname}:${url.port}` : url.hostname;
  }
  return trimmed.replace(/\/+$/, '');
}

export class HostAllowList {
  private readonly anyPort = new Set<string>();
  private readonly exact = new Set<string>();

  constructor(entries: readonly string[]) {
    for (const entry of entries.map(normaliseHostEntry)) {
      const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
      if (withPort) this.exact.add(entry);
      else this.anyPort.add(entry);
    }
  }

  /** A bare host allows the web ports (80, 443) only; a registry on another port is listed with its port. */
  allows(host: string, port: number): boolean {
    const h = host.toLowerCase();
    const bracketed = h.includes(':') ? `[${h}]` : h;
    return this.exact.has(`${bracketed}:${port}`) || ((port === 443 || port === 80) && (this.anyPort.has(h) || this.anyPort.has(bracketed)));
  }
}

export interface RegistryProxy {
  readonly socketPath: string;
  /** host:port pairs the sandbox asked for and was refused, in first-seen order. */
  refused(): string[];
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'proxy-connection', 'proxy-authorization', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } | null {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (!m) return null;
  return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : defaultPort };
}

/** Start the proxy on a unix socket at `socketPath` (made connectable by the sandbox's uid). */
export async function startRegistryProxy(socketPath: string, allowed: HostAllowList): Promise<RegistryProxy> {
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const refuse = (host: string, port: number): string => {
    const what = `${host}:${port}`;
    if (!refused.includes(what)) refused.push(what);
    return `bumpbench sandbox: ${what} is not a package registry this job may reach; list it under allowHosts in the bumpbench config\n`;
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('bumpbench sandbox: only proxy requests (absolute URLs) are served here\n');
      return;
    }
    const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (target.protocol !== 'http:' || !allowed.allows(host, port)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(refuse(host, port));
      return;
    }
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    const upstream = httpRequest({ host, port, method: req.method, path: `${target.pathname}${target.search}`, headers, agent: false }, (up) => {
      const out = { ...up.headers };
      for (const h of HOP_BY_HOP) delete out[h];
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bumpbench sandbox: ${host}:${port}: ${err.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = splitHostPort(req.url ?? '', 443);
    if (!target || !allowed.allows(target.host, target.port)) {
      const body = refuse(target?.host ?? String(req.url), target?.port ?? 0);
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    const upstream = connect(target.port, target.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  // The sandboxed uid connects to it; connecting to a unix socket needs write permission on it.
  await chmod(socketPath, 0o666);
  server.unref();

  return {
    socketPath,
    refused: () => [...refused],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
