// Runtime changes between two versions of a file, as Changes beside the lockfiles' (ecosystem "runtime"):
// `.nvmrc` 20 → 22 is { ecosystem: "runtime", name: "node", from: "20", to: "22", lockfile: ".nvmrc" }.
// Declarations pair by file and place (engines.node with engines.node); a Dockerfile's FROM lines of one
// kind pair in order.
import type { Change } from '../model.ts';
import { parseRuntimeFile } from './declarations.ts';
import type { RuntimeDeclaration } from './types.ts';

function keyed(declarations: readonly RuntimeDeclaration[]): Map<string, RuntimeDeclaration> {
  const out = new Map<string, RuntimeDeclaration>();
  const counts = new Map<string, number>();
  for (const d of declarations) {
    const place = d.source === 'dockerfile' ? 'FROM' : (d.field ?? '');
    const base = `${d.kind}\0${d.file}\0${d.source}\0${place}`;
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    out.set(`${base}\0${n}`, d);
  }
  return out;
}

/**
 * A declaration's side of a change: as written, except that a Dockerfile FROM of the image named like the
 * runtime reads as its tag ("python:3.12-slim" → "3.12-slim"), as Dependabot's "Bump python from 3.11-slim
 * to 3.12-slim" says it; another image keeps its name ("pypy:3.10" for a Python runtime).
 */
function sideOf(d: RuntimeDeclaration): string {
  if (d.source !== 'dockerfile') return d.spec;
  const [image, tag] = d.spec.split(':');
  return image === d.kind ? (tag ?? 'latest') : d.spec;
}

/** What changed between two sets of declarations (of the same files): one Change per declaration that differs. */
export function diffDeclarations(before: readonly RuntimeDeclaration[], after: readonly RuntimeDeclaration[]): Change[] {
  const a = keyed(before);
  const b = keyed(after);
  const changes: Change[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(key);
    const to = b.get(key);
    if (from?.spec === to?.spec) continue;
    const d = (to ?? from)!;
    const field = d.source === 'dockerfile' ? undefined : d.field;
    changes.push({ ecosystem: 'runtime', name: d.kind, from: from ? sideOf(from) : null, to: to ? sideOf(to) : null, lockfile: d.file, ...(field ? { field } : {}) });
  }
  return changes;
}

/** Runtime changes between two versions of one file (`null`: the file does not exist on that side). */
export function diffRuntimeFile(file: string, beforeText: string | null, afterText: string | null): Change[] {
  return diffDeclarations(beforeText === null ? [] : parseRuntimeFile(file, beforeText), afterText === null ? [] : parseRuntimeFile(file, afterText));
}
