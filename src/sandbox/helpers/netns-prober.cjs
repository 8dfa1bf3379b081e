// Runs in a job's network namespace (entered with nsenter), where the servers under test listen: answers
// "what does GET url answer?" over IPC, so bumpbench can wait for readiness from outside the namespace.
// Plain JavaScript: it starts in ~50 ms, once per job.
'use strict';
const http = require('node:http');

process.on('message', (message) => {
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
