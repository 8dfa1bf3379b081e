'use strict';

const WHITESPACE = /\s+/;

/** Number of whitespace-separated words. */
function wordCount(text) {
  const trimmed = String(text).trim();
  return trimmed === '' ? 0 : trimmed.split(WHITESPACE).length;
}

exports.wordCount = wordCount;
