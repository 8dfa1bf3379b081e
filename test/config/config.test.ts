import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, parseConfigText, validateConfig } from '../../src/config/load.ts';
import { configJsonSchema } from '../../src/config/json-schema.ts';

const minimal = { start: 'node server.js', scenarios: [{ name: 'home', path: '/' }] };

function problemsOf(data: unknown): string[] {
  try {
    validateConfig(data);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('repo config', () => {
  it('config/default.yml states exactly the defaults the schema applies', () => {
    const defaults = parse(readFileSync(new URL('../../config/default.yml', import.meta.url), 'utf8'));
    expect(validateConfig({ ...defaults, ...minimal })).toEqual(validateConfig(minimal));
  });

  it('config/schema.json is generated from the current schema (run `npm run schema`)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../config/schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('soak: a name that is not a scenario, and a soak over 12h, say how to fix them', () => {
    expect(problemsOf({ ...minimal, soak: { scenarios: ['home', 'hom'] } })).toEqual(['soak.scenarios[1]: "hom" is not one of the scenarios (home)']);
    expect(problemsOf({ ...minimal, soak: { duration: '13h' } })).toEqual(['soak.duration: at most 12h']);
    expect(validateConfig({ ...minimal, soak: { duration: '30m', rate: 50 } }).soak).toMatchObject({ duration: 1_800_000, rate: 50, window: 600_000 });
  });

  it('parses human units', () => {
    const config = validateConfig({
      ...minimal,
      ready: { path: '/health', timeout: '1m' },
      scenarios: [{ name: 'a', path: '/a', duration: '2s', warmup: '500ms' }],
      thresholds: { throughput: '3%', latency_p99: 0.2 },
    });
    expect(config.ready).toEqual({ path: '/health', timeoutMs: 60_000 });
    expect(config.scenarios[0]).toMatchObject({ duration: 2000, warmup: 500, connections: 10, requests: [{ weight: 1, method: 'GET', path: '/a', headers: {}, body: '' }] });
    expect(config.thresholds.throughput).toBeCloseTo(0.03);
    expect(config.thresholds.latency_p99).toBeCloseTo(0.2);
    expect(config.thresholds.latency_p50).toBeCloseTo(0.05);
  });

  it('names the key of a missing start, an unknown key, a negative duration and a missing path', () => {
    expect(problemsOf({ scenarios: minimal.scenarios })).toEqual([expect.stringMatching(/^start: required/)]);
    expect(problemsOf({ ...minimal, startt: 'x' })).toEqual([expect.stringMatching(/^startt: unknown key/)]);
    expect(problemsOf({ ...minimal, scenarios: [{ name: 'a', path: '/a', duration: '-5s' }] })).toEqual([
      expect.stringMatching(/^scenarios\[0\]\.duration: must be positive/),
    ]);
    expect(problemsOf({ ...minimal, scenarios: [{ name: 'a' }] })).toEqual(['scenarios[0].path: required (the request path, e.g. /catalog; or `requests:` for a weighted mix)']);
    expect(problemsOf({ ...minimal, repeats: { min: 10, max: 5 } })).toEqual([expect.stringMatching(/^repeats: max must be >= min/)]);
  });

  it('reports YAML syntax errors with the line', () => {
    expect(() => parseConfigText('start: node s.js\nscenarios: [\n')).toThrow(/line \d+.*YAML syntax/);
  });
});

describe('hostile configs', () => {
  it('refuses a config over the size cap and an alias bomb, each with one line naming the problem', () => {
    expect(() => parseConfigText(`start: x\n# ${'x'.repeat(300 * 1024)}\n`)).toThrow(/over the 256 KiB a config may have/);
    const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) bomb.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(() => parseConfigText(`${bomb.join('\n')}\nstart: x\n`)).toThrow(/alias/i);
  });
});
