'use strict';
// @bumpbench-examples/deep-merge __VERSION__

function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Merge plain objects recursively into a new object; later sources win. Arrays and other values are
 * replaced, not merged. "__proto__", "constructor" and "prototype" keys are skipped.
 */
function merge(...sources) {
  const target = {};
  for (const source of sources) {
    if (!isPlainObject(source)) continue;
    for (const key of Object.keys(source)) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
      const value = source[key];
      target[key] = isPlainObject(value) && isPlainObject(target[key]) ? merge(target[key], value) : value;
    }
  }
  return target;
}

exports.merge = merge;
exports.isPlainObject = isPlainObject;
