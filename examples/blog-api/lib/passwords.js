// Password hashes with scrypt from node:crypto. The cost is kept low (N = 2^10) so a login stays a few
// milliseconds of CPU: the example benchmarks an API, not a password hasher.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const PARAMS = { N: 1024, r: 8, p: 1 };
const LENGTH = 32;

export function hashPassword(password, salt = randomBytes(16).toString('hex')) {
  return { salt, hash: scryptSync(password, salt, LENGTH, PARAMS).toString('hex') };
}

export function verifyPassword(password, salt, hash) {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, LENGTH, PARAMS, (err, derived) => {
      if (err) reject(err);
      else resolve(timingSafeEqual(derived, Buffer.from(hash, 'hex')));
    });
  });
}
