'use strict';
// @bumpbench-examples/html-escape __VERSION__

const HAS_SPECIAL = /[&<>"']/;
const SPECIAL = /[&<>"']/g;
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
function escapeHtml(text) {
  const s = String(text);
  return HAS_SPECIAL.test(s) ? s.replace(SPECIAL, (c) => ENTITIES[c]) : s;
}

exports.escapeHtml = escapeHtml;
