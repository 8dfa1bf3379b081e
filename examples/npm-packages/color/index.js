'use strict';
// @bumpbench-examples/color __VERSION__

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** "#ff8800" or "f80" -> { r: 255, g: 136, b: 0 }; null when it is not a hex colour. */
function hexToRgb(hex) {
  const m = HEX.exec(String(hex));
  if (m === null) return null;
  const digits = m[1].length === 3 ? [...m[1]].map((d) => d + d).join('') : m[1];
  const n = Number.parseInt(digits, 16);
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}

/** { r, g, b } -> "#rrggbb". */
function rgbToHex({ r, g, b }) {
  const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
  return '#' + [r, g, b].map((v) => clamp(v).toString(16).padStart(2, '0')).join('');
}

/** Mix two hex colours; `weight` 0 gives `a`, 1 gives `b`. */
function mix(a, b, weight = 0.5) {
  const ca = hexToRgb(a);
  const cb = hexToRgb(b);
  if (ca === null || cb === null) return null;
  return rgbToHex({
    r: ca.r + (cb.r - ca.r) * weight,
    g: ca.g + (cb.g - ca.g) * weight,
    b: ca.b + (cb.b - ca.b) * weight,
  });
}

exports.hexToRgb = hexToRgb;
exports.rgbToHex = rgbToHex;
exports.mix = mix;
