'use strict';
// @bumpbench-examples/ms-format __VERSION__

const STEPS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** 93_784_000 -> "1d 2h 3m 4s"; below a second, "250ms". `options.parts` keeps the largest n parts. */
function formatMs(ms, options = {}) {
  const maxParts = options.parts ?? 2;
  let rest = Math.abs(Math.round(Number(ms)));
  if (rest < 1000) return `${Math.sign(ms) < 0 ? '-' : ''}${rest}ms`;
  const parts = [];
  for (const [unit, size] of STEPS) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return (ms < 0 ? '-' : '') + parts.slice(0, maxParts).join(' ');
}

exports.formatMs = formatMs;
