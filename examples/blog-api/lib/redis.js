// A small Redis client over node:net: RESP2 commands on one pipelined connection (Redis answers in order,
// so replies are matched to a FIFO of waiting callers). A real app would use `redis` or `ioredis`; the
// example stays installable from the bundled registry.
import { connect } from 'node:net';

export class RedisError extends Error {}

function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const text = String(arg);
    parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
  }
  return parts.join('');
}

/** One reply from `buffer` at `at`: [value, next offset], or null when it has not all arrived. */
function parseReply(buffer, at) {
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buffer[at]);
  const line = buffer.toString('utf8', at + 1, lineEnd);
  const after = lineEnd + 2;
  if (type === '+') return [line, after];
  if (type === '-') return [new RedisError(line), after];
  if (type === ':') return [Number(line), after];
  if (type === '$') {
    const length = Number(line);
    if (length < 0) return [null, after];
    if (buffer.length < after + length + 2) return null;
    return [buffer.toString('utf8', after, after + length), after + length + 2];
  }
  if (type === '*') {
    const count = Number(line);
    if (count < 0) return [null, after];
    const items = [];
    let next = after;
    for (let i = 0; i < count; i++) {
      const item = parseReply(buffer, next);
      if (!item) return null;
      items.push(item[0]);
      next = item[1];
    }
    return [items, next];
  }
  throw new RedisError(`unexpected reply type ${JSON.stringify(type)}`);
}

/** redis://host:port */
export function createRedis(url) {
  const u = new URL(url);
  const socket = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) });
  socket.setNoDelay(true);
  const waiting = [];
  let buffer = Buffer.alloc(0);
  let broken = null;
  const failAll = (err) => {
    broken = err;
    for (const w of waiting.splice(0)) w.reject(err);
  };
  socket.on('error', failAll);
  socket.on('close', () => failAll(new Error('the Redis connection closed')));
  socket.on('data', (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const reply = parseReply(buffer, at);
      if (!reply) break;
      at = reply[1];
      const w = waiting.shift();
      if (reply[0] instanceof RedisError) w?.reject(reply[0]);
      else w?.resolve(reply[0]);
    }
    buffer = buffer.subarray(at);
  });
  const ready = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    ready,
    /** command('SET', 'key', 'value') → the reply. */
    command(...args) {
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(encode(args));
      });
    },
    close() {
      socket.end();
    },
  };
}
