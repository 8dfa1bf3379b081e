'use strict';

const SENTENCE_END = /[.!?…]+(?=\s|$)/g;

/** Number of sentences: runs of ".", "!", "?" or "…" followed by whitespace or the end of the text. */
function sentenceCount(text) {
  const s = String(text).trim();
  if (s === '') return 0;
  const ends = s.match(SENTENCE_END);
  const count = ends === null ? 0 : ends.length;
  // A last sentence without a full stop still counts.
  return /[.!?…]$/.test(s) ? count : count + 1;
}

exports.sentenceCount = sentenceCount;
