'use strict';

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const REGEXP_SPECIALS = /[.*+?^${}()|[\]\\]/g;
const DASH_EDGES = /^-+|-+$/g;

function edgesOf(separator) {
  if (separator === '-') return DASH_EDGES;
  const escaped = separator.replace(REGEXP_SPECIALS, '\\$&');
  return new RegExp(`^(?:${escaped})+|(?:${escaped})+$`, 'g');
}

/**
 * "Crème brûlée à Zürich" -> "creme-brulee-a-zurich". Accented letters are transliterated (NFKD, then
 * the combining marks are removed) instead of dropped, letters of other scripts are kept, and
 * `options.separator` replaces the dash.
 */
function slugify(text, options = {}) {
  const separator = options.separator ?? '-';
  return String(text)
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(new RegExp('[^\\p{L}\\p{N}]+', 'gu'), separator)
    .replace(edgesOf(separator), '');
}

exports.slugify = slugify;
