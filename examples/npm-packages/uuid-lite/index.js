'use strict';
// @bumpbench-examples/uuid-lite __VERSION__
const { randomBytes } = require('node:crypto');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A random (version 4) UUID. */
function uuid4() {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether `text` is a UUID of version 1 to 8 with the RFC 9562 variant. */
function isUuid(text) {
  return UUID.test(String(text));
}

exports.uuid4 = uuid4;
exports.isUuid = isUuid;
