// A runtime named on the command line (--base-runtime, --head-runtime) or in the config (`runtime:`), as
// requests: "python3.11", "pypy3", "node22", "node@20.11.1", or several kinds comma-separated.
import { nodeRange } from './node-spec.ts';
import { parsePythonSpec } from './python-spec.ts';
import type { RuntimeRequest } from './types.ts';

/** Requests for a flag value; throws an Error whose message says how to write it. */
export function parseRuntimeFlag(value: string, from: string): RuntimeRequest[] {
  const requests: RuntimeRequest[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const node = /^node(?:js)?[@:=-]?(.*)$/i.exec(part);
    if (node) {
      const spec = node[1] || 'node';
      if (nodeRange(spec) === null) throw new Error(`${from} "${part}": "${spec}" is not a Node version; write e.g. node22 or node@20.11.1`);
      requests.push({ kind: 'node', spec, from });
      continue;
    }
    if (/^\d/.test(part)) throw new Error(`${from} "${part}": say which runtime, e.g. python${part} or node${part}`);
    if (!parsePythonSpec(part)) throw new Error(`${from} "${part}" is not a runtime: write e.g. python3.11, pypy3 or node22`);
    requests.push({ kind: 'python', spec: part, from });
  }
  if (requests.length === 0) throw new Error(`${from} needs a runtime, e.g. python3.11, pypy3 or node22`);
  const kinds = requests.map((r) => r.kind);
  if (new Set(kinds).size !== kinds.length) throw new Error(`${from} "${value}" names the same kind of runtime twice`);
  return requests;
}
