// A free TCP port on the loopback interface, found by letting the kernel pick one.
import { createServer } from 'node:net';

/**
 * Ports handed to services for the whole life of a side. They listen in the job's network namespace,
 * where the host's kernel cannot see them, so a later freePort() here could pick one of them again for a
 * server; it skips them instead.
 */
const reserved = new Set<number>();

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port the kernel assigned'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * Ask the kernel for an unused port on 127.0.0.1 and release it at once. Another process could take it
 * before our server binds it; startServer retries once on EADDRINUSE for that reason.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await kernelPort();
    if (!reserved.has(port) || attempt >= 20) return port;
  }
}

/** A free port kept out of freePort()'s answers until releasePort(). */
export async function reservePort(): Promise<number> {
  const port = await freePort();
  reserved.add(port);
  return port;
}

export function releasePort(port: number): void {
  reserved.delete(port);
}
