// Runs inside an install's sandbox (plain JavaScript: no tsx there). Its network namespace has only
// loopback, so it listens on 127.0.0.1:PORT, passes every connection to the registry proxy's unix socket
// (bound into the sandbox), and runs the command once it listens, exiting with the command's status.
// Usage: node proxy-bridge.cjs SOCKET PORT -- COMMAND [ARGS...]
'use strict';
const net = require('node:net');
const { spawn } = require('node:child_process');

const [socketPath, port, separator, ...command] = process.argv.slice(2);
if (!socketPath || !port || separator !== '--' || command.length === 0) {
  process.stderr.write('usage: proxy-bridge.cjs SOCKET PORT -- COMMAND [ARGS...]\n');
  process.exit(2);
}

const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});

server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`${command[0]}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 1) : 1)));
});
