// `{{name}}` in a scenario's or a login request's path, headers and body: a value taken per request from
// the scenario's `values` or captured by `login`. This file knows the syntax only (what a template names,
// and what is malformed); the load generator renders them (src/bench/request-template.ts). The syntax is
// not `${...}`, which already means the environment in env values and is expanded by the shell in commands.

/** `{{ name }}`: a letter or "_", then letters, digits and "_"; spaces inside the braces are allowed. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const NAME = /^[A-Za-z_]\w*$/;

/** One piece of a template: literal text, or the name of a value. */
export type TemplatePart = string | { name: string };

/** The text cut into literal pieces and placeholders, in order. Throws on a malformed placeholder. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1].trim();
    if (!NAME.test(name)) throw new TemplateSyntaxError(`"${match[0]}" is not a value name: write {{id}} with letters, digits and "_"`);
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push({ name });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** The names a template uses (each once), or a problem with its syntax. */
export function templateNames(text: string): { names: string[] } | { problem: string } {
  try {
    return { names: [...new Set(parseTemplate(text).flatMap((p) => (typeof p === 'string' ? [] : [p.name])))] };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** The name when the whole text is one placeholder (`"{{id}}"`): a JSON body then takes the value's own type. */
export function soleName(text: string): string | null {
  const parts = safeParse(text);
  return parts?.length === 1 && typeof parts[0] !== 'string' ? parts[0].name : null;
}

/** Every string inside a JSON-like value (a body written as a YAML map), keys excepted. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
}

function safeParse(text: string): TemplatePart[] | null {
  try {
    return parseTemplate(text);
  } catch {
    return null;
  }
}
