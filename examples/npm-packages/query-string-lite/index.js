'use strict';
// @bumpbench-examples/query-string-lite __VERSION__

/** "a=1&b=x%20y&a=2" -> { a: ['1', '2'], b: 'x y' }. A leading "?" is ignored. */
function parse(query) {
  const result = {};
  const s = String(query).replace(/^\?/, '');
  if (s === '') return result;
  for (const part of s.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decode(part.slice(eq + 1));
    const previous = result[key];
    if (previous === undefined) result[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else result[key] = [previous, value];
  }
  return result;
}

/** { a: ['1', '2'], b: 'x y' } -> "a=1&a=2&b=x%20y" (keys sorted so the output is stable). */
function stringify(object) {
  const parts = [];
  for (const key of Object.keys(object).sort()) {
    const value = object[key];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
    }
  }
  return parts.join('&');
}

function decode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

exports.parse = parse;
exports.stringify = stringify;
