// Requests like real traffic, as the config reads them: a login whose answer feeds later requests, values
// drawn per request, a weighted mix, bodies written as YAML maps; and every mistake as one line naming the
// key and the fix.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, validateConfig } from '../../src/config/load.ts';

function problemsOf(data: Record<string, unknown>): string[] {
  try {
    validateConfig({ start: 'node server.js', ...data });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('login, values, mixes and map bodies', () => {
  it('reads a login that captures a token, a scenario with varied ids, and a weighted mix with a YAML-map body', () => {
    const config = parseConfigText(`
start: node server.js
login:
  path: /login
  body: { email: user3@example.com, password: password3 }
  capture:
    token: { json: token }
scenarios:
  - name: article
    path: /articles/{{id}}
    headers: { authorization: "Bearer {{token}}" }
    values:
      id: { from: 1, to: 300 }
  - name: mix
    headers: { authorization: "Bearer {{ token }}" }
    seed: 7
    values:
      id: { from: 1, to: 300 }
      tag: [bench, news]
    requests:
      - { weight: 8, path: "/articles/{{id}}" }
      - weight: 1
        method: POST
        path: /articles
        body: { title: "Post {{id}}", tags: ["{{tag}}"], draft: false }
`);
    expect(config.login).toEqual([
      {
        method: 'POST', path: '/login', headers: { 'content-type': 'application/json' }, body: '',
        json: { email: 'user3@example.com', password: 'password3' }, capture: { token: { json: 'token' } },
      },
    ]);
    expect(config.scenarios[0]).toMatchObject({
      values: { id: { from: 1, to: 300 } },
      seed: 1,
      requests: [{ weight: 1, method: 'GET', path: '/articles/{{id}}', headers: { authorization: 'Bearer {{token}}' }, body: '' }],
    });
    const mix = config.scenarios[1];
    expect(mix.values).toEqual({ id: { from: 1, to: 300 }, tag: { list: ['bench', 'news'] } });
    expect(mix.requests).toEqual([
      { weight: 8, method: 'GET', path: '/articles/{{id}}', headers: { authorization: 'Bearer {{ token }}' }, body: '' },
      {
        weight: 1, method: 'POST', path: '/articles', body: '',
        // The scenario's headers go on every request; a map body gets the JSON content type.
        headers: { authorization: 'Bearer {{ token }}', 'content-type': 'application/json' },
        json: { title: 'Post {{id}}', tags: ['{{tag}}'], draft: false },
      },
    ]);
  });

  it('a text body stays text, and a content-type given is kept', () => {
    const config = validateConfig({
      start: 'x',
      scenarios: [{ name: 'a', method: 'POST', path: '/a', body: '{"a":1}' }, { name: 'b', method: 'POST', path: '/b', headers: { 'Content-Type': 'application/vnd.api+json' }, body: { a: 1 } }],
    });
    expect(config.scenarios[0].requests[0]).toMatchObject({ body: '{"a":1}', headers: {} });
    expect(config.scenarios[1].requests[0].headers).toEqual({ 'Content-Type': 'application/vnd.api+json' });
  });

  it('names an unknown {{value}} and says where to define it', () => {
    expect(problemsOf({ scenarios: [{ name: 'a', path: '/articles/{{slug}}' }] })).toEqual([
      'scenarios[0].path: {{slug}} is not a value: add it under scenarios[0].values (e.g. slug: { from: 1, to: 500 } or slug: [a, b]) or capture it with login',
    ]);
    expect(problemsOf({ scenarios: [{ name: 'a', requests: [{ path: '/a' }, { path: '/b', headers: { authorization: 'Bearer {{token}}' } }] }] })).toEqual([
      'scenarios[0].requests[1].headers.authorization: {{token}} is not a value: add it under scenarios[0].values (e.g. token: { from: 1, to: 500 } or token: [a, b]) or capture it with login',
    ]);
  });

  it('a login step may use what an earlier one captured, not a later one', () => {
    const steps = [
      { method: 'GET', path: '/csrf', capture: { csrf: { header: 'x-csrf-token' } } },
      { path: '/login', headers: { 'x-csrf-token': '{{csrf}}', cookie: 'sid={{sid}}' }, capture: { sid: { cookie: 'sid' } } },
    ];
    expect(problemsOf({ login: steps, scenarios: [{ name: 'a', path: '/' }] })).toEqual([
      'login[1].headers.cookie: {{sid}} is not captured by an earlier login request: capture it there (capture: { sid: { json: sid } })',
    ]);
  });

  it('refuses malformed templates, ranges, captures, weights and mixed shapes, one line each', () => {
    expect(problemsOf({ scenarios: [{ name: 'a', path: '/a/{{ 1x }}' }] })).toEqual(['scenarios[0].path: "{{ 1x }}" is not a value name: write {{id}} with letters, digits and "_"']);
    expect(problemsOf({ scenarios: [{ name: 'a', path: '/a/{{id}}', values: { id: { from: 9, to: 1 } } }] })).toEqual([
      'scenarios[0].values.id: to (1) is below from (9): write e.g. { from: 1, to: 500 }',
    ]);
    expect(problemsOf({ login: { path: '/login', capture: { token: { body: 'token' } } }, scenarios: [{ name: 'a', path: '/' }] })).toEqual([
      'login.capture.token.body: unknown key; remove it or check its spelling (see docs/configuration.md)',
    ]);
    expect(problemsOf({ login: { path: '/login', capture: { token: {} } }, scenarios: [{ name: 'a', path: '/' }] })).toEqual([
      'login.capture.token: give one of { json: PATH }, { header: NAME } or { cookie: NAME }',
    ]);
    expect(problemsOf({ login: { path: '/login', capture: { token: { json: 'data..token' } } }, scenarios: [{ name: 'a', path: '/' }] })).toEqual([
      'login.capture.token.json: "data..token" is not a JSON path: write e.g. token, data.token, items[0].id or items[*].slug',
    ]);
    expect(problemsOf({ scenarios: [{ name: 'a', requests: [{ weight: 0, path: '/a' }] }] })).toEqual(['scenarios[0].requests[0].weight: a weight above 0, e.g. 3']);
    expect(problemsOf({ scenarios: [{ name: 'a', path: '/a', requests: [{ path: '/b' }] }] })).toEqual(['scenarios[0].requests: give path (one request) or requests (a mix), not both']);
    expect(problemsOf({ scenarios: [{ name: 'a', method: 'POST', requests: [{ path: '/b' }] }] })).toEqual(['scenarios[0].method: with `requests`, give each request its own method']);
    expect(problemsOf({ scenarios: [{ name: 'a', path: '/a/{{v}}', values: { v: ['ok', 'two\nlines'] } }] })).toEqual(['scenarios[0].values.v: a value may not contain a line break']);
  });

  it('refuses a scenario value that shadows a login capture', () => {
    expect(problemsOf({ login: { path: '/login', capture: { token: { json: 'token' } } }, scenarios: [{ name: 'a', path: '/{{token}}', values: { token: ['x'] } }] })).toEqual([
      'scenarios[0].values.token: login captures token too: give one of them another name',
    ]);
  });
});
