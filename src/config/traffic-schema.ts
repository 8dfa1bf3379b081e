// What the load looks like: a scenario's requests (one, or a weighted mix), the values its templates draw
// from per request, and the login whose answer feeds them. Written as people write traffic ("a login, then
// article reads with ids from 1 to 300, one write in ten"), turned into plain data the load generator's
// child process builds its request hooks from (functions cannot cross IPC).
import { z } from 'zod';
import { parseJsonPath } from './json-path.ts';
import { stringsIn, templateNames } from './templates.ts';
import { duration, nonNegativeDuration, positiveInt } from './value-schemas.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof METHODS)[number];

const VALUE_NAME = /^[A-Za-z_]\w*$/;
const valueName = z.string().regex(VALUE_NAME, 'a value name: a letter or "_", then letters, digits and "_" (used as {{name}})');

/** A value a template may take: plain text, a number or a boolean. */
const scalar = z.union([z.string(), z.number(), z.boolean()]);
export type TemplateValue = string | number | boolean;

/** A line break in a value would end an HTTP header early and send the rest as another one. */
const noLineBreak = (v: TemplateValue) => typeof v !== 'string' || !/[\r\n]/.test(v);

/**
 * Where a `{{name}}` takes its value from, per request: a list (`[a, b]` or `{ list: [a, b] }`), or the
 * integers `{ from: 1, to: 500 }` (both ends included). Drawn with the scenario's seed, so every run of
 * either side sends the same sequence.
 */
const valueSourceSchema = z
  .union([
    z.array(scalar).min(1, 'give at least one value'),
    z.strictObject({ list: z.array(scalar).min(1, 'give at least one value') }),
    z.strictObject({ from: z.number().int(), to: z.number().int() }),
  ])
  .superRefine((source, ctx) => {
    const list = Array.isArray(source) ? source : 'list' in source ? source.list : null;
    if (list && !list.every(noLineBreak)) ctx.addIssue({ code: 'custom', message: 'a value may not contain a line break' });
    if (!list && 'from' in source && source.to < source.from) {
      ctx.addIssue({ code: 'custom', message: `to (${source.to}) is below from (${source.from}): write e.g. { from: 1, to: 500 }` });
    }
  })
  .transform((source): ValueSource => (Array.isArray(source) ? { list: source } : source));

export type ValueSource = { list: TemplateValue[] } | { from: number; to: number };

/** A body as text (sent as written), or as a YAML map or list (sent as JSON). */
const bodySchema = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);

const headersSchema = z.record(z.string(), scalar.transform(String));

/** One request as the load generator sends it. `json`: the body was written as a map or list and is sent as JSON. */
export interface RequestSpec {
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  /** Text body ('' for none); unused when `json` is set. */
  body: string;
  json?: unknown;
}

export interface WeightedRequest extends RequestSpec {
  /** Relative share of the scenario's requests. */
  weight: number;
}

/** Headers with the JSON content type added for a JSON body, unless one is given. */
function withContentType(headers: Record<string, string>, json: boolean): Record<string, string> {
  if (!json || Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) return headers;
  return { ...headers, 'content-type': 'application/json' };
}

function requestOf(r: { method: HttpMethod; path: string; headers: Record<string, string>; body?: string | object }, common: Record<string, string> = {}): RequestSpec {
  const json = r.body !== undefined && typeof r.body !== 'string';
  return {
    method: r.method,
    path: r.path,
    headers: withContentType({ ...common, ...r.headers }, json),
    body: typeof r.body === 'string' ? r.body : '',
    ...(json ? { json: r.body } : {}),
  };
}

/** Template syntax in a request's path, header values and body, with the key path of each problem. */
function checkSyntax(r: { path?: string; headers?: Record<string, string>; body?: unknown }, ctx: z.RefinementCtx, at: (string | number)[] = []): void {
  const texts: [(string | number)[], string][] = [
    ...(r.path !== undefined ? [[[...at, 'path'], r.path] as [(string | number)[], string]] : []),
    ...Object.entries(r.headers ?? {}).map(([k, v]) => [[...at, 'headers', k], v] as [(string | number)[], string]),
    ...stringsIn(r.body).map((text) => [[...at, 'body'], text] as [(string | number)[], string]),
  ];
  for (const [path, text] of texts) {
    const parsed = templateNames(text);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', path, message: parsed.problem });
  }
}

const requestFields = {
  method: z.enum(METHODS).default('GET'),
  path: z.string().startsWith('/', 'must start with "/", e.g. /catalog or /articles/{{id}}'),
  headers: headersSchema.default({}),
  body: bodySchema.optional(),
};

const mixRequestSchema = z
  .strictObject({ weight: z.number().positive('a weight above 0, e.g. 3').default(1), ...requestFields })
  .superRefine((r, ctx) => checkSyntax(r, ctx));

/** A scenario's warm-up when the config gives none. */
export const DEFAULT_WARMUP_MS = 1_000;

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1).regex(/^[\w.-]+$/, 'use letters, digits, "-", "_" or "." (it names the scenario in reports)'),
    /** One request: method, path, headers, body. */
    method: z.enum(METHODS).optional(),
    path: requestFields.path.optional(),
    /** Headers of every request of the scenario (a mix's requests add or override their own). */
    headers: headersSchema.default({}),
    body: bodySchema.optional(),
    /** Or a weighted mix of requests, drawn per request. */
    requests: z.array(mixRequestSchema).min(1, 'give at least one request, or use path').optional(),
    /** What `{{name}}` in the path, headers and body takes, drawn per request. */
    values: z.record(valueName, valueSourceSchema).default({}),
    /** Seed of the draws (values and the mix): the same sequence in every run of either side. */
    seed: z.number().int().min(0).default(1),
    connections: positiveInt.max(1000).default(10),
    pipelining: positiveInt.max(100).default(1),
    duration: duration.default(3_000),
    /**
     * The least warm-up before each measured run (0: none; default 1 s). It goes on, slice by slice, while
     * the throughput or CPU per request of successive slices still trends (a JIT still compiling), up to
     * `warmupMax`. Left out, a runtime may raise it for a fresh server's first scenario (Node: 3 s).
     */
    warmup: nonNegativeDuration.optional(),
    warmupMax: duration.default(10_000),
    /** Status codes counted as success besides 2xx (e.g. 304). */
    expectStatus: z.array(z.number().int().min(100).max(599)).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.requests === undefined) {
      if (s.path === undefined) ctx.addIssue({ code: 'custom', path: ['path'], message: 'required (the request path, e.g. /catalog; or `requests:` for a weighted mix)' });
    } else {
      if (s.path !== undefined) ctx.addIssue({ code: 'custom', path: ['requests'], message: 'give path (one request) or requests (a mix), not both' });
      for (const key of ['method', 'body'] as const) {
        if (s[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `with \`requests\`, give each request its own ${key}` });
      }
    }
    checkSyntax({ path: s.path, headers: s.headers, body: s.body }, ctx);
  })
  .transform(({ method, path, headers, body, requests, warmup, ...rest }) => ({
    ...rest,
    warmup: warmup ?? DEFAULT_WARMUP_MS,
    /** Whether `warmup` was written in the config (then it is kept as written). */
    warmupConfigured: warmup !== undefined,
    requests: requests
      ? requests.map(({ weight, ...r }): WeightedRequest => ({ weight, ...requestOf(r, headers) }))
      : [{ weight: 1, ...requestOf({ method: method ?? 'GET', path: path!, headers, body }) }],
  }));

export type Scenario = z.output<typeof scenarioSchema>;

/** What to take from the login's answer: a JSON field (by path), a response header, or a cookie it sets. */
const captureSchema = z
  .strictObject({ json: z.string().min(1).optional(), header: z.string().min(1).optional(), cookie: z.string().min(1).optional() })
  .superRefine((capture, ctx) => {
    const given = (['json', 'header', 'cookie'] as const).filter((k) => capture[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `give one of { json: PATH }, { header: NAME } or { cookie: NAME }${given.length > 1 ? `, not ${given.join(' and ')}` : ''}` });
      return;
    }
    if (capture.json === undefined) return;
    try {
      parseJsonPath(capture.json);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['json'], message: (err as Error).message });
    }
  })
  .transform((capture): { json: string } | { header: string } | { cookie: string } =>
    capture.json !== undefined ? { json: capture.json } : capture.header !== undefined ? { header: capture.header } : { cookie: capture.cookie! },
  );
export type Capture = z.output<typeof captureSchema>;

const loginStepSchema = z
  .strictObject({
    ...requestFields,
    method: z.enum(METHODS).default('POST'),
    /** The values later requests use as `{{name}}`. */
    capture: z.record(valueName, captureSchema).default({}),
  })
  .superRefine((step, ctx) => checkSyntax(step, ctx))
  .transform(({ capture, ...r }) => ({ ...requestOf(r), capture }));

export type LoginStep = z.output<typeof loginStepSchema>;

/**
 * Requests sent once per server start before any scenario (a login, a CSRF token), in order; what they
 * capture fills `{{name}}` in later login steps and every scenario.
 */
export const loginSchema = z
  .union([loginStepSchema, z.array(loginStepSchema).min(1, 'give at least one request')])
  .transform((v) => (Array.isArray(v) ? v : [v]));

/** The strings of a request that may hold templates, with the key path of each (for messages). */
function templatedTexts(r: RequestSpec): [string[], string][] {
  return [
    [['path'], r.path],
    ...Object.entries(r.headers).map(([k, v]) => [['headers', k], v] as [string[], string]),
    ...(r.json !== undefined ? stringsIn(r.json).map((t) => [['body'], t] as [string[], string]) : [[['body'], r.body] as [string[], string]]),
  ];
}

/**
 * Every `{{name}}` must name something that will exist: a login capture of an earlier step (in login), or
 * the scenario's `values` and any login capture (in a scenario). Run on the whole config (both are needed).
 */
export function checkTemplateReferences(config: { login?: LoginStep[]; scenarios: Scenario[] }, ctx: z.RefinementCtx): void {
  // Refinements run even when a part already failed: only parts that were parsed are checked.
  if (!Array.isArray(config.login ?? []) || !Array.isArray(config.scenarios)) return;
  const captured: string[] = [];
  (config.login ?? []).forEach((step, i) => {
    if (!step?.capture || typeof step.path !== 'string') return;
    const at = config.login!.length === 1 ? ['login'] : ['login', i];
    for (const [path, text] of templatedTexts(step)) {
      for (const name of namesIn(text)) {
        if (captured.includes(name)) continue;
        ctx.addIssue({ code: 'custom', path: [...at, ...path], message: `{{${name}}} is not captured by an earlier login request: capture it there (capture: { ${name}: { json: ${name} } })` });
      }
    }
    captured.push(...Object.keys(step.capture));
  });
  config.scenarios.forEach((s, i) => {
    if (!Array.isArray(s?.requests) || !s.values) return;
    for (const name of Object.keys(s.values)) {
      if (captured.includes(name)) ctx.addIssue({ code: 'custom', path: ['scenarios', i, 'values', name], message: `login captures ${name} too: give one of them another name` });
    }
    s.requests.forEach((r, j) => {
      const at = s.requests.length === 1 ? ['scenarios', i] : ['scenarios', i, 'requests', j];
      for (const [path, text] of templatedTexts(r)) {
        for (const name of namesIn(text)) {
          if (Object.hasOwn(s.values, name) || captured.includes(name)) continue;
          ctx.addIssue({
            code: 'custom',
            path: [...at, ...path],
            message: `{{${name}}} is not a value: add it under scenarios[${i}].values (e.g. ${name}: { from: 1, to: 500 } or ${name}: [a, b]) or capture it with login`,
          });
        }
      }
    });
  });
}

function namesIn(text: string): string[] {
  const parsed = templateNames(text);
  return 'names' in parsed ? parsed.names : [];
}
