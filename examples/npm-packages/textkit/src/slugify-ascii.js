'use strict';

// Compiled once: anything that is not a lowercase ASCII letter or digit becomes one dash.
const NON_ALNUM = /[^a-z0-9]+/g;
const EDGE_DASHES = /^-+|-+$/g;

/** "Hello, World!" -> "hello-world". Letters outside ASCII are dropped. */
function slugify(text) {
  return String(text).toLowerCase().replace(NON_ALNUM, '-').replace(EDGE_DASHES, '');
}

exports.slugify = slugify;
