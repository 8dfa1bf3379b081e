'use strict';

// CJK ideographs are written without spaces: each one counts as a word.
const WORD = /\p{Script=Han}|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/** Number of words; "well-known" counts once, each CJK ideograph counts as one word. */
function wordCount(text) {
  const matches = String(text).match(WORD);
  return matches === null ? 0 : matches.length;
}

exports.wordCount = wordCount;
