'use strict';

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const REGEXP_SPECIALS = /[.*+?^${}()|[\]\\]/g;

/**
 * "Crème brûlée à Zürich" -> "creme-brulee-a-zurich". Accented letters are transliterated (NFKD, then
 * the combining marks are removed) instead of dropped; `options.separator` replaces the dash.
 */
function slugify(text, options = {}) {
  const separator = options.separator ?? '-';
  const escaped = separator.replace(REGEXP_SPECIALS, '\\$&');
  return String(text)
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(new RegExp('[^\\p{L}\\p{N}]+', 'gu'), separator)
    .replace(new RegExp(`^(?:${escaped})+|(?:${escaped})+$`, 'g'), '');
}

exports.slugify = slugify;
