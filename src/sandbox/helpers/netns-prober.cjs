// Runs in a job's network namespace (entered with nsenter), where the servers under test listen: answers
// "what does GET url answer?" (or "does host:port accept a connection?", for services that do not speak
// HTTP) over IPC, so bumpbench can wait for readiness from outside the namespace.
// Plain JavaScript: it starts in ~50 ms, once per job.
'use strict';
const http = require('node:http');
const net = require('node:net');

process.on('message', (message) => {
  if (message && message.type === 'connect') {
    const socket = net.connect({ host: message.host, port: message.port, timeout: message.timeoutMs });
    const answer = (open) => {
      socket.destroy();
      process.send({ type: 'status', id: message.id, status: open ? 1 : null });
    };
    socket.once('connect', () => answer(true));
    socket.once('timeout', () => answer(false));
    socket.once('error', () => answer(false));
    return;
  }
  if (!message || message.type !== 'probe') return;
  const req = http.request(message.url, { method: 'GET', agent: false, timeout: message.timeoutMs }, (res) => {
    res.resume();
    process.send({ type: 'status', id: message.id, status: res.statusCode ?? null });
  });
  req.on('timeout', () => req.destroy());
  req.on('error', () => process.send({ type: 'status', id: message.id, status: null }));
  req.end();
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
