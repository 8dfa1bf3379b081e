'use strict';

/**
 * Cut `text` to at most `maxLength` characters on a word boundary, ending with `options.ellipsis`
 * (default "…") when it was cut.
 */
function truncate(text, maxLength, options = {}) {
  const ellipsis = options.ellipsis ?? '…';
  const s = String(text);
  if (s.length <= maxLength) return s;
  const room = Math.max(0, maxLength - ellipsis.length);
  const cut = s.slice(0, room);
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > 0 ? cut.slice(0, lastSpace) : cut).trimEnd() + ellipsis;
}

exports.truncate = truncate;
