// The key the App and its runners share (BUMPBENCH_FLEET_KEY, or a file). Whoever reaches Redis can read
// and write every BullMQ job there, so Redis access alone must not be enough to give a runner work or to
// hand the App a result: every message between them carries an HMAC-SHA256 bound to its purpose and its
// fleet run id, and the one secret that crosses Redis (a job's clone token) is sealed with AES-256-GCM.
// Both keys are derived from the shared one (HKDF), so a MAC key can never decrypt and vice versa.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Shorter keys are refused: 32 characters of `openssl rand -hex 32` output carry 128 bits. */
export const MIN_FLEET_KEY_LENGTH = 32;

/** What a signed message is: a run, its outcome, a progress event, or an entry of a soak's ledger. */
export type SignedPurpose = 'run' | 'outcome' | 'progress' | 'soak';

export class FleetKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetKeyError';
  }
}

export class FleetKey {
  private constructor(
    private readonly macKey: Buffer,
    private readonly sealKey: Buffer,
  ) {}

  /** From the shared secret's text (surrounding whitespace, e.g. a file's newline, is ignored). */
  static from(secret: string): FleetKey {
    const text = secret.trim();
    if (text.length < MIN_FLEET_KEY_LENGTH) {
      throw new FleetKeyError(
        `the fleet key is ${text.length} characters long; use at least ${MIN_FLEET_KEY_LENGTH}, e.g. the output of \`openssl rand -hex 32\``,
      );
    }
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', text, '', info, 32));
    return new FleetKey(derive('bumpbench fleet mac v1'), derive('bumpbench fleet seal v1'));
  }

  /** Hex HMAC of `payload` for `purpose` in fleet run `id` (so a signed message cannot be replayed as another). */
  sign(purpose: SignedPurpose, id: string, payload: string): string {
    return createHmac('sha256', this.macKey).update(`${purpose}\n${id}\n`).update(payload).digest('hex');
  }

  verify(purpose: SignedPurpose, id: string, payload: string, mac: string): boolean {
    const expected = Buffer.from(this.sign(purpose, id, payload), 'hex');
    const given = Buffer.from(mac, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Encrypts `plaintext` for fleet run `id`: base64 of nonce, tag and ciphertext. */
  seal(id: string, plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, nonce);
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The plaintext, or null when `sealed` was not sealed with this key for this run. */
  open(id: string, sealed: string): string | null {
    try {
      const raw = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
