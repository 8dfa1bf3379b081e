// Where in a JSON response a login's captured value sits: `token`, `data.token`, `items[0].slug`, or
// `items[*].slug` (every element: a list, drawn from per request). Parsed when the config is read, so a typo
// is a config error, and read in the load generator (src/bench/login.ts).

/** A key, an array index, or `*` (every element of an array). */
export type JsonPathSegment = string | number | { every: true };

const SEGMENT = /^(?:([^.[\]]+)|\[(\d+|\*)\])/;

/** `data.items[0].slug` → ["data", "items", 0, "slug"]; `.0` and `.*` work like `[0]` and `[*]`. Throws on a malformed path. */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const segments: JsonPathSegment[] = [];
  let rest = path.trim();
  if (rest === '') throw new Error('an empty path: write e.g. token or data.token');
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) throw new Error(`"${path}" is not a JSON path: write e.g. token, data.token, items[0].id or items[*].slug`);
    const word = match[1] ?? match[2];
    segments.push(word === '*' ? { every: true } : /^\d+$/.test(word) ? Number(word) : word);
    rest = rest.slice(match[0].length);
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest === '') throw new Error(`"${path}" ends with a dot`);
    }
  }
  return segments;
}

/** The value at `segments` in `data`: undefined when it is not there; `*` maps over an array. */
export function readJsonPath(data: unknown, segments: readonly JsonPathSegment[]): unknown {
  let current: unknown = data;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (typeof segment === 'object') {
      if (!Array.isArray(current)) return undefined;
      const rest = segments.slice(i + 1);
      return current.map((item) => readJsonPath(item, rest)).filter((v) => v !== undefined);
    }
    if (current === null || typeof current !== 'object') return undefined;
    current = typeof segment === 'number' && Array.isArray(current) ? current[segment] : (current as Record<string, unknown>)[String(segment)];
    if (current === undefined) return undefined;
  }
  return current;
}
