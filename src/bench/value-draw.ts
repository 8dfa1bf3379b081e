// The draws behind varied requests: a small seeded generator, a value from a source (a list, a range of
// integers, a captured list), and a request from a weighted mix. Seeded so every run of either side sends
// the same sequence: base and head are asked the same questions, in the same proportions.
import type { TemplateValue, ValueSource } from '../config/schema.ts';

/** mulberry32: fast, 32 bits of state, plenty for choosing ids; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One value from a configured source, uniformly. */
export function drawValue(source: ValueSource, random: () => number): TemplateValue {
  if ('list' in source) return source.list[Math.floor(random() * source.list.length)];
  return source.from + Math.floor(random() * (source.to - source.from + 1));
}

/** A captured value: itself, or one element when the login captured a list. */
export function drawCaptured(value: TemplateValue | TemplateValue[], random: () => number): TemplateValue {
  return Array.isArray(value) ? value[Math.floor(random() * value.length)] : value;
}

/** A picker of indices by weight: cumulative weights and a binary search, so a long mix costs log n a draw. */
export function weightedPicker(weights: readonly number[], random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += w));
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
