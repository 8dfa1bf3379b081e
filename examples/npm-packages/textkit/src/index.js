'use strict';
// @bumpbench-examples/textkit __VERSION__
const { slugify } = require('./slugify.js');
const { wordCount } = require('./words.js');
const { truncate } = require('./truncate.js');

exports.VERSION = '__VERSION__';
exports.slugify = slugify;
exports.wordCount = wordCount;
exports.truncate = truncate;
