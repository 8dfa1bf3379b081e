// What the load generator sends for a scenario, from plain config data: values drawn per request with a
// seed (the same sequence in every run), a mix in its weights, templates written where they sit (escaped
// in a path, typed in a JSON body), and one fixed request left to autocannon as is.
import { describe, expect, it } from 'vitest';
import { scenarioSchema } from '../../src/config/schema.ts';
import { requestPlan } from '../../src/bench/request-plan.ts';

const scenario = (input: Record<string, unknown>) => scenarioSchema.parse({ name: 's', ...input });

describe('requestPlan', () => {
  it('a fixed request is fixed: nothing to draw per request', () => {
    const plan = requestPlan(scenario({ path: '/catalog', headers: { accept: 'application/json' } }));
    expect(plan.fixed).toEqual({ method: 'GET', path: '/catalog', headers: { accept: 'application/json' }, body: '' });
  });

  it('draws ids from the range per request, the same sequence for the same seed, another for another worker', () => {
    const s = scenario({ path: '/articles/{{id}}', values: { id: { from: 1, to: 500 } } });
    const paths = (stream = 0) => {
      const plan = requestPlan(s, {}, stream);
      return Array.from({ length: 2000 }, () => plan.next().path);
    };
    const first = paths();
    expect(requestPlan(s).fixed).toBeNull();
    expect(paths()).toEqual(first);
    expect(paths(1)).not.toEqual(first);
    const ids = first.map((p) => Number(p.slice('/articles/'.length)));
    expect(Math.min(...ids)).toBe(1);
    expect(Math.max(...ids)).toBe(500);
    // Spread over the range, not stuck on a few values.
    expect(new Set(ids).size).toBeGreaterThan(450);
  });

  it('a weighted mix sends each request in its share', () => {
    const plan = requestPlan(scenario({ requests: [{ weight: 8, path: '/read' }, { weight: 2, method: 'POST', path: '/write' }] }));
    const n = 10_000;
    const writes = Array.from({ length: n }, () => plan.next()).filter((r) => r.method === 'POST' && r.path === '/write').length;
    expect(writes / n).toBeGreaterThan(0.18);
    expect(writes / n).toBeLessThan(0.22);
  });

  it('writes values where they sit: escaped in the path, as is in a header, typed or escaped in a JSON body', () => {
    const s = scenario({
      method: 'POST',
      path: '/tags/{{tag}}',
      headers: { authorization: 'Bearer {{token}}' },
      body: { id: '{{id}}', title: 'About "{{tag}}"', tag: '{{tag}}', nested: [{ ok: true, n: null }] },
      values: { id: [17], tag: ['a b/c'] },
    });
    const drawn = requestPlan(s, { token: 'abc.def' }).next();
    expect(drawn.path).toBe('/tags/a%20b%2Fc');
    expect(drawn.headers).toEqual({ authorization: 'Bearer abc.def', 'content-type': 'application/json' });
    expect(JSON.parse(drawn.body)).toEqual({ id: 17, title: 'About "a b/c"', tag: 'a b/c', nested: [{ ok: true, n: null }] });
  });

  it('a captured list is drawn from per request; a value with nowhere to come from is an error', () => {
    const s = scenario({ path: '/articles/{{slug}}' });
    const plan = requestPlan(s, { slug: ['one', 'two', 'three'] });
    expect(new Set(Array.from({ length: 200 }, () => plan.next().path))).toEqual(new Set(['/articles/one', '/articles/two', '/articles/three']));
    expect(() => requestPlan(s, {})).toThrow(/\{\{slug\}\} has no value/);
  });
});
