// A free TCP port on the loopback interface, found by letting the kernel pick one.
import { createServer } from 'node:net';

/**
 * Ask the kernel for an unused port on 127.0.0.1 and release it at once. Another process could take it
 * before our server binds it; startServer retries once on EADDRINUSE for that reason.
 */
export function freePort(): Promise<number> {
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
