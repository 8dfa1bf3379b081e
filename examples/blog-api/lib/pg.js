// A small PostgreSQL client over node:net, enough for this example: the v3 wire protocol, trust, cleartext
// and MD5 authentication, parameterised queries (the extended protocol), text results with integers and
// booleans converted, and a fixed-size pool. A real app would use `pg`; the example stays installable from
// the bundled registry, which serves only the example libraries.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';

const PROTOCOL_3 = 196608;
const INTEGER_TYPES = new Set([20, 21, 23]); // int8, int2, int4
const BOOLEAN_TYPE = 16;

function cstring(text) {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

/** A message: type byte, then Int32 length (itself included), then the body. */
function message(type, ...parts) {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int16(n) {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** ErrorResponse / NoticeResponse fields: code byte, then a C string, until a zero byte. */
function readFields(body) {
  const fields = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]);
    const end = body.indexOf(0, at + 1);
    fields[code] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return fields;
}

export class PgError extends Error {
  constructor(fields) {
    super(fields.M ?? 'PostgreSQL error');
    this.code = fields.C;
    this.detail = fields.D;
  }
}

/** One connection: queries run one at a time, in order. */
class Connection {
  constructor(options) {
    this.options = options;
    this.buffer = Buffer.alloc(0);
    this.current = null;
    this.queue = [];
  }

  open() {
    const { host, port, user, database } = this.options;
    return new Promise((resolve, reject) => {
      this.socket = connect({ host, port });
      this.socket.setNoDelay(true);
      this.ready = { resolve, reject };
      this.socket.once('error', (err) => this.fail(err));
      this.socket.on('close', () => this.fail(new Error('the PostgreSQL connection closed')));
      this.socket.on('data', (chunk) => this.receive(chunk));
      this.socket.once('connect', () => {
        const params = Buffer.concat([cstring('user'), cstring(user), cstring('database'), cstring(database), cstring('client_encoding'), cstring('UTF8'), Buffer.from([0])]);
        const length = int32(params.length + 8);
        this.socket.write(Buffer.concat([length, int32(PROTOCOL_3), params]));
      });
    });
  }

  fail(err) {
    if (this.ready) {
      this.ready.reject(err);
      this.ready = null;
    }
    for (const job of [this.current, ...this.queue]) job?.reject(err);
    this.current = null;
    this.queue = [];
    this.broken = err;
  }

  receive(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 5) {
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < length + 1) return;
      const type = String.fromCharCode(this.buffer[0]);
      const body = this.buffer.subarray(5, length + 1);
      this.buffer = this.buffer.subarray(length + 1);
      this.handle(type, body);
    }
  }

  handle(type, body) {
    if (type === 'R') return this.authenticate(body);
    if (type === 'E') {
      const error = new PgError(readFields(body));
      if (this.ready) return this.fail(error);
      if (this.current) this.current.error = error;
      return undefined;
    }
    if (type === 'Z') {
      if (this.ready) {
        this.ready.resolve(this);
        this.ready = null;
        return undefined;
      }
      const job = this.current;
      this.current = null;
      if (job) {
        if (job.error) job.reject(job.error);
        else job.resolve({ rows: job.rows, rowCount: job.rowCount });
      }
      return this.next();
    }
    const job = this.current;
    if (!job) return undefined;
    if (type === 'T') {
      const count = body.readInt16BE(0);
      let at = 2;
      job.columns = [];
      for (let i = 0; i < count; i++) {
        const end = body.indexOf(0, at);
        const name = body.toString('utf8', at, end);
        const typeOid = body.readInt32BE(end + 7);
        job.columns.push({ name, typeOid });
        at = end + 19;
      }
    } else if (type === 'D') {
      const count = body.readInt16BE(0);
      let at = 2;
      const row = {};
      for (let i = 0; i < count; i++) {
        const length = body.readInt32BE(at);
        at += 4;
        const column = job.columns[i];
        if (length < 0) {
          row[column.name] = null;
          continue;
        }
        const text = body.toString('utf8', at, at + length);
        at += length;
        row[column.name] = INTEGER_TYPES.has(column.typeOid) ? Number(text) : column.typeOid === BOOLEAN_TYPE ? text === 't' : text;
      }
      job.rows.push(row);
    } else if (type === 'C') {
      const tag = body.toString('utf8', 0, body.length - 1);
      const count = Number(tag.split(' ').pop());
      job.rowCount = Number.isFinite(count) ? count : 0;
    }
    return undefined;
  }

  authenticate(body) {
    const kind = body.readInt32BE(0);
    const { user, password = '' } = this.options;
    if (kind === 0) return undefined; // AuthenticationOk
    if (kind === 3) return this.socket.write(message('p', cstring(password)));
    if (kind === 5) {
      const salt = body.subarray(4, 8);
      const inner = createHash('md5').update(password + user).digest('hex');
      const outer = createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex');
      return this.socket.write(message('p', cstring(`md5${outer}`)));
    }
    return this.fail(new Error(`PostgreSQL asked for an authentication method this small client does not speak (${kind}); use trust, password or md5`));
  }

  /** `params` given: one statement, parameterised. Without: the simple protocol, several statements allowed (migrations). */
  query(text, params) {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ text, params, resolve, reject, rows: [], rowCount: 0, columns: [] });
      if (!this.current) this.next();
    });
  }

  next() {
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    if (job.params === undefined) {
      this.socket.write(message('Q', cstring(job.text)));
      return;
    }
    const values = job.params.map((value) => {
      if (value === null || value === undefined) return int32(-1);
      const bytes = Buffer.from(String(value), 'utf8');
      return Buffer.concat([int32(bytes.length), bytes]);
    });
    this.socket.write(
      Buffer.concat([
        message('P', cstring(''), cstring(job.text), int16(0)),
        message('B', cstring(''), cstring(''), int16(0), int16(values.length), ...values, int16(0)),
        message('D', Buffer.from('P'), cstring('')),
        message('E', cstring(''), int32(0)),
        message('S'),
      ]),
    );
  }

  close() {
    if (this.socket && !this.socket.destroyed) this.socket.end(message('X'));
  }
}

/** postgres://user:password@host:port/database */
export function parseDatabaseUrl(url) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password || ''),
    database: decodeURIComponent(u.pathname.slice(1) || u.username || 'postgres'),
  };
}

/** A pool of `size` connections; each query goes to the connection with the fewest waiting. */
export async function createPool(url, size = 4) {
  const options = parseDatabaseUrl(url);
  const connections = [];
  for (let i = 0; i < size; i++) connections.push(await new Connection(options).open());
  return {
    query(text, params = []) {
      let best = connections[0];
      for (const c of connections) if (c.queue.length + (c.current ? 1 : 0) < best.queue.length + (best.current ? 1 : 0)) best = c;
      return best.query(text, params);
    },
    /** Several statements at once (a migration file), on one connection. */
    exec(text) {
      return connections[0].query(text);
    },
    close() {
      for (const c of connections) c.close();
    },
  };
}
