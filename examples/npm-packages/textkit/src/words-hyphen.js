'use strict';

// A word is a run of letters/digits, possibly joined by hyphens or apostrophes ("well-known", "don't").
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/** Number of words; "well-known" counts once, punctuation on its own does not count. */
function wordCount(text) {
  const matches = String(text).match(WORD);
  return matches === null ? 0 : matches.length;
}

exports.wordCount = wordCount;
