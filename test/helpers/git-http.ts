// A git repository served over git's "dumb" HTTP protocol (static files of the .git directory) on the
// loopback, behind HTTP Basic auth with an installation-token-shaped password. It records what each
// request carried, and while git is fetching it looks at every process's argv for the token: the proof
// that the token travelled in git's environment, not on its command line.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface GitHttpServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The clone URL of the served repo: `${origin}/${owner}/${name}.git`. */
  cloneUrl: string;
  /** Basic-auth passwords the requests carried (null: none). */
  passwords: (string | null)[];
  /** Processes whose argv held the token while git was fetching (should stay empty). */
  tokenInArgv: string[];
  /** Run `git update-server-info` again after new commits. */
  refresh(): void;
  close(): Promise<void>;
}

function argvHolding(secret: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (argv.includes(secret)) found.push(`${pid}: ${argv.replace(/\0/g, ' ')}`);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return found;
}

function passwordOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

/**
 * Serves `repoDir` (a work tree) as `/${owner}/${name}.git`. With `token`, requests without that password
 * get 401, like GitHub for a private repository. `extra` may answer other routes (an API stand-in).
 */
export async function serveGitOverHttp(opts: {
  repoDir: string;
  owner: string;
  name: string;
  token?: string;
  extra?: (req: IncomingMessage, res: ServerResponse, body: string) => void;
}): Promise<GitHttpServer & { server: Server }> {
  const gitDir = path.join(opts.repoDir, '.git');
  const refresh = () => execFileSync('git', ['update-server-info'], { cwd: opts.repoDir });
  refresh();
  const prefix = `/${opts.owner}/${opts.name}.git/`;
  const passwords: (string | null)[] = [];
  const tokenInArgv: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const pathname = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      if (!pathname.startsWith(prefix)) {
        if (opts.extra) return opts.extra(req, res, body);
        return res.writeHead(404).end();
      }
      const password = passwordOf(req);
      passwords.push(password);
      if (opts.token) tokenInArgv.push(...argvHolding(opts.token));
      if (opts.token && password !== opts.token) {
        return res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('token required');
      }
      const file = path.join(gitDir, pathname.slice(prefix.length));
      if (!file.startsWith(gitDir) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    cloneUrl: `${origin}${prefix.slice(0, -1)}`,
    passwords,
    tokenInArgv,
    refresh,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
