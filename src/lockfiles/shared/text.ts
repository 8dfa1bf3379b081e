// Small text helpers shared by the format parsers.

/** LF line endings and no BOM: every parser sees the same text whether the file was saved on Windows or not. */
export function normaliseText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.includes('\r') ? withoutBom.replace(/\r\n?/g, '\n') : withoutBom;
}

/** 1-based line number of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** 1-based number of the last line that has content (where a truncated file stops). */
export function lastLine(text: string): number {
  return lineOfOffset(text, text.replace(/\s+$/, '').length);
}

/** 1-based line of the first line matching `pattern`, or undefined. */
export function findLine(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match ? lineOfOffset(text, match.index) : undefined;
}

/** JSON-ish rendering of a key path for error messages: packages["node_modules/a"].version */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(top level)';
}

/**
 * Best-effort line of a key path in a JSON or YAML text: finds each string key in turn, each after the
 * previous one. Good enough to point a user at the right entry; undefined when not found.
 */
export function locateKeyPath(text: string, path: ReadonlyArray<PropertyKey>): number | undefined {
  let from = 0;
  let found: number | undefined;
  for (const part of path) {
    if (typeof part !== 'string') continue;
    const candidates = [JSON.stringify(part), `'${part}'`, `${part}:`];
    let best = -1;
    for (const candidate of candidates) {
      const index = text.indexOf(candidate, from);
      if (index >= 0 && (best < 0 || index < best)) best = index;
    }
    if (best < 0) break;
    found = best;
    from = best + part.length;
  }
  return found === undefined ? undefined : lineOfOffset(text, found);
}
