// What the report's notes say about runs that failed: enough to see the cause, never the whole output.
import { describe, expect, it } from 'vitest';
import { briefFailure, describeProblems } from '../../src/pipeline/measure-pair.ts';
import type { RunSample } from '../../src/model.ts';

// What fastify-realworld-example-app's server printed when its seed script drew a username twice: each
// error line is the whole multi-row INSERT (about 2,000 characters), repeated in the error object.
const insert = `insert into \`users\` (\`bio\`, \`username\`) select ${"'Asperiores totam accusamus.' as `bio`, 'Dorothy' as `username` union all select ".repeat(30)}'x' as \`bio\`, 'Rocky' as \`username\``;
const SEED_FAILURE = [
  'the server exited:',
  `Error: Error while executing "/work/head/knex/seeds/users.js" seed: ${insert} - SQLITE_CONSTRAINT: UNIQUE constraint failed: users.username`,
  '    at Seeder._waterfallBatch (/cache/node_modules/knex/lib/migrations/seed/Seeder.js:118:23)',
  `Error: ${insert} - SQLITE_CONSTRAINT: UNIQUE constraint failed: users.username {`,
  `  original: [Error: ${insert} - SQLITE_CONSTRAINT: UNIQUE constraint failed: users.username] {`,
  '    errno: 19,',
  "    code: 'SQLITE_CONSTRAINT'",
  '  }',
  '}',
].join('\n');

function failed(side: 'base' | 'head', scenario: string, failure: string): RunSample {
  return {
    side, pair: 0, scenario, ok: false, failure, requests: 0, durationSec: 0, throughput: 0, latencyUs: { p50: 0, p90: 0, p99: 0, mean: 0 },
    errors: 0, timeouts: 0, non2xx: 0, cpuSeconds: 0, cpuPerRequest: 0, peakRssBytes: 0, loadGenCpu: 0, loadGenBound: false,
  };
}

describe('notes on failed runs', () => {
  it('keep what failed and the cause at the end of a long error line, not the whole output', () => {
    expect(SEED_FAILURE.length).toBeGreaterThan(7_000);
    const brief = briefFailure(SEED_FAILURE);
    const lines = brief.split('\n');
    expect(lines[0]).toBe('the server exited:');
    expect(lines[1]).toMatch(/^Error: Error while executing "\/work\/head\/knex\/seeds\/users\.js" seed: insert into/);
    expect(lines[1]).toMatch(/SQLITE_CONSTRAINT: UNIQUE constraint failed: users\.username$/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(240);
    expect(lines.at(-1)).toMatch(/^\(\d+ more line\(s\) kept with the run in the store\)$/);
    expect(brief.length).toBeLessThan(1_200);
  });

  it('show the last lines when none reads as an error, and short output whole', () => {
    expect(briefFailure('the server exited:\nlistening on 3000\nshutting down\nbye')).toBe('the server exited:\nlistening on 3000\nshutting down\nbye');
    expect(briefFailure('52150 connection errors, no response at all')).toBe('52150 connection errors, no response at all');
    const chatty = ['the server exited:', ...Array.from({ length: 30 }, (_, i) => `step ${i}`)].join('\n');
    expect(briefFailure(chatty).split('\n')).toEqual(['the server exited:', 'step 27', 'step 28', 'step 29', '(27 more line(s) kept with the run in the store)']);
  });

  it('a report note names each side and scenario with its brief reason', () => {
    const [note] = describeProblems([failed('head', 'articles', '52150 connection errors, no response at all'), failed('head', 'tags', SEED_FAILURE)]);
    expect(note).toMatch(/^2 runs failed and were left out of the statistics: head articles: 52150 connection errors, no response at all; head tags: the server exited:\n/);
    expect(note).toContain('UNIQUE constraint failed: users.username');
    expect(note.length).toBeLessThan(1_400);
  });
});
