// Rendering `{{name}}` templates into a request, once per request, fast: each template is compiled once per
// run into literal pieces and slots, and each slot knows how its value is written where it sits — escaped
// for a URL path, as is in a header or a text body, escaped inside a JSON string, or as the value's own JSON
// (`{ id: "{{id}}" }` sends `{"id":17}` for a number) when a JSON body's string is the placeholder alone.
import { parseTemplate, soleName } from '../config/templates.ts';
import type { TemplateValue } from '../config/schema.ts';

type SlotMode = 'url' | 'raw' | 'json-string' | 'json-value';
type Piece = string | { name: string; mode: SlotMode };

export interface CompiledTemplate {
  readonly pieces: readonly Piece[];
  /** The value names it uses. */
  readonly names: readonly string[];
}

function compiled(pieces: Piece[]): CompiledTemplate {
  // Adjacent literals joined: fewer pieces to concatenate per request.
  const merged: Piece[] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (typeof piece === 'string' && typeof last === 'string') merged[merged.length - 1] = last + piece;
    else if (piece !== '') merged.push(piece);
  }
  const names = [...new Set(merged.flatMap((p) => (typeof p === 'string' ? [] : [p.name])))];
  return { pieces: merged, names };
}

/** A path, a header value or a text body. `mode`: how a value is written into it. */
export function compileText(text: string, mode: 'url' | 'raw'): CompiledTemplate {
  return compiled(parseTemplate(text).map((p) => (typeof p === 'string' ? p : { name: p.name, mode })));
}

/** A body written as a YAML map or list, sent as JSON. */
export function compileJson(value: unknown): CompiledTemplate {
  const pieces: Piece[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      const sole = soleName(v);
      if (sole !== null) {
        pieces.push({ name: sole, mode: 'json-value' });
        return;
      }
      pieces.push('"');
      for (const p of parseTemplate(v)) pieces.push(typeof p === 'string' ? JSON.stringify(p).slice(1, -1) : { name: p.name, mode: 'json-string' });
      pieces.push('"');
    } else if (Array.isArray(v)) {
      pieces.push('[');
      v.forEach((item, i) => {
        if (i > 0) pieces.push(',');
        walk(item);
      });
      pieces.push(']');
    } else if (v !== null && typeof v === 'object') {
      pieces.push('{');
      Object.entries(v).forEach(([key, item], i) => {
        pieces.push(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
        walk(item);
      });
      pieces.push('}');
    } else {
      pieces.push(JSON.stringify(v ?? null));
    }
  };
  walk(value);
  return compiled(pieces);
}

function written(value: TemplateValue, mode: SlotMode): string {
  switch (mode) {
    case 'url':
      return encodeURIComponent(String(value));
    case 'raw':
      return String(value);
    case 'json-string':
      return JSON.stringify(String(value)).slice(1, -1);
    case 'json-value':
      return JSON.stringify(value);
  }
}

/** The template with each slot filled from `values` (which must hold every name it uses). */
export function render(template: CompiledTemplate, values: Readonly<Record<string, TemplateValue>>): string {
  let out = '';
  for (const piece of template.pieces) out += typeof piece === 'string' ? piece : written(values[piece.name], piece.mode);
  return out;
}
