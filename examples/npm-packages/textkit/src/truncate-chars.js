'use strict';

/** Cut `text` to at most `maxLength` characters, ending with "…" when it was cut. */
function truncate(text, maxLength) {
  const s = String(text);
  if (s.length <= maxLength) return s;
  return s.slice(0, Math.max(0, maxLength - 1)) + '…';
}

exports.truncate = truncate;
