// What autocannon sends for a scenario, built inside the load generator's child process from plain config
// data (hooks are functions, and functions do not cross IPC). A scenario of one fixed request is handed to
// autocannon as is, so its request is encoded once; anything that varies (a template, a mix) becomes one
// `setupRequest` hook that draws the request and its values afresh each time.
import type { Scenario, TemplateValue } from '../config/schema.ts';
import { compileJson, compileText, render, type CompiledTemplate } from './request-template.ts';
import { drawCaptured, drawValue, seededRandom, weightedPicker } from './value-draw.ts';

/** What a login captured, by name: a value, or a list drawn from per request. */
export type Session = Record<string, TemplateValue | TemplateValue[]>;

/** One concrete request. */
export interface DrawnRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface CompiledRequest {
  method: string;
  path: CompiledTemplate;
  headers: [string, CompiledTemplate][];
  body: CompiledTemplate;
  names: string[];
}

export interface RequestPlan {
  /** The one request, when nothing varies; null when `next` must be asked per request. */
  fixed: DrawnRequest | null;
  /** The next request to send. */
  next(): DrawnRequest;
}

/**
 * The requests of `scenario` against `session`. `stream` separates the draws of several load-generator
 * workers sharing one run (each starts from seed + stream), so they do not all send the same sequence.
 */
export function requestPlan(scenario: Pick<Scenario, 'requests' | 'values' | 'seed'>, session: Session = {}, stream = 0): RequestPlan {
  const compiledRequests: CompiledRequest[] = scenario.requests.map((r) => {
    const path = compileText(r.path, 'url');
    const headers = Object.entries(r.headers).map(([k, v]) => [k, compileText(v, 'raw')] as [string, CompiledTemplate]);
    const body = r.json !== undefined ? compileJson(r.json) : compileText(r.body, 'raw');
    const names = [...new Set([...path.names, ...headers.flatMap(([, t]) => t.names), ...body.names])];
    return { method: r.method, path, headers, body, names };
  });
  for (const r of compiledRequests) {
    const missing = r.names.find((name) => scenario.values[name] === undefined && session[name] === undefined);
    // The config check makes this unreachable from a valid config; a caller that forgot the login is told so.
    if (missing !== undefined) throw new Error(`{{${missing}}} has no value: it is neither in the scenario's values nor captured by the login`);
  }
  const random = seededRandom(scenario.seed + stream * 0x9e3779b9);
  const pick = weightedPicker(scenario.requests.map((r) => r.weight), random);
  const draw = (request: CompiledRequest): DrawnRequest => {
    const values: Record<string, TemplateValue> = {};
    for (const name of request.names) {
      const source = scenario.values[name];
      values[name] = source !== undefined ? drawValue(source, random) : drawCaptured(session[name], random);
    }
    const headers: Record<string, string> = {};
    for (const [name, template] of request.headers) headers[name] = render(template, values);
    return { method: request.method, path: render(request.path, values), headers, body: render(request.body, values) };
  };
  const only = compiledRequests.length === 1 && compiledRequests[0].names.length === 0 ? draw(compiledRequests[0]) : null;
  return {
    fixed: only,
    next: () => only ?? draw(compiledRequests[compiledRequests.length === 1 ? 0 : pick()]),
  };
}
