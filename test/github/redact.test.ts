import { describe, expect, it } from 'vitest';
import { Redactor, safeChildEnv, scrubSecretEnv, redactor } from '../../src/github/redact.ts';
import { PRIVATE_KEY } from './helpers.ts';

describe('redaction', () => {
  it('removes registered secrets, a PEM key in any form, tokens and URL credentials', () => {
    const r = new Redactor();
    r.add('whsec-very-secret-value');
    r.add(PRIVATE_KEY);
    const text = [
      'secret whsec-very-secret-value here',
      `key ${PRIVATE_KEY}`,
      `escaped ${PRIVATE_KEY.replace(/\n/g, '\\n')}`,
      `one line ${PRIVATE_KEY.split('\n')[3]}`,
      'fatal: could not read from https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r.git',
      'token ghs_abcdefghijklmnopqrstuvwxyz0123 alone',
    ].join('\n');
    const out = r.redact(text);
    expect(out).not.toContain('whsec-very-secret-value');
    expect(out).not.toContain(PRIVATE_KEY.split('\n')[3]);
    expect(out).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123');
    expect(out).toContain('https://x-access-token:***@github.com/o/r.git');
    expect(out).toContain('secret *** here');
    expect(r.leaks(text)).toBe(true);
    expect(r.leaks(out)).toBe(false);
  });

  it('does not redact short values (they would mangle every message)', () => {
    const r = new Redactor();
    r.add('1');
    expect(r.redact('job 1 of 10')).toBe('job 1 of 10');
  });

  it('moves the App secrets out of the environment into the redactor', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/bin', PRIVATE_KEY: PRIVATE_KEY, WEBHOOK_SECRET: 'hook-secret-123456', APP_ID: '42' };
    expect(scrubSecretEnv(env).sort()).toEqual(['PRIVATE_KEY', 'WEBHOOK_SECRET']);
    expect(env).toEqual({ PATH: '/bin', APP_ID: '42' });
    expect(redactor.redact('the hook-secret-123456')).toBe('the ***');
  });

  it('moves the fleet key and Redis URLs out too; of a Redis URL only the password is secret', () => {
    const env: NodeJS.ProcessEnv = { BUMPBENCH_FLEET_KEY: 'k'.repeat(64), BUMPBENCH_REDIS_URL: 'redis://:s3cret-redis-pass@redis.internal:6379' };
    expect(scrubSecretEnv(env).sort()).toEqual(['BUMPBENCH_FLEET_KEY', 'BUMPBENCH_REDIS_URL']);
    expect(env).toEqual({});
    expect(redactor.redact(`key ${'k'.repeat(64)} at redis://:s3cret-redis-pass@redis.internal:6379`)).toBe('key *** at redis://:***@redis.internal:6379');
  });

  it('keeps secrets out of extra child environment, by name and by value', () => {
    redactor.add('ghs_knowntoken0000000000000000');
    expect(
      safeChildEnv({ NODE_ENV: 'production', GITHUB_TOKEN: 'x', MY_SECRET: 'y', COPY: 'ghs_knowntoken0000000000000000', DB_PASSWORD: 'p' }),
    ).toEqual({ NODE_ENV: 'production' });
  });
});
