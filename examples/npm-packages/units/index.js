'use strict';
// @bumpbench-examples/units __VERSION__

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
const PARSE = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|kB|MB|GB|TB)?\s*$/;
const FACTORS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** 1536 -> "1.5 KiB". */
function formatBytes(bytes, options = {}) {
  const digits = options.digits ?? 1;
  let value = Number(bytes);
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** "1.5 KiB" -> 1536, "2 MB" -> 2000000; null when it cannot be read. */
function parseBytes(text) {
  const m = PARSE.exec(String(text));
  if (m === null) return null;
  return Math.round(Number(m[1]) * FACTORS[m[2] ?? 'B']);
}

exports.formatBytes = formatBytes;
exports.parseBytes = parseBytes;
