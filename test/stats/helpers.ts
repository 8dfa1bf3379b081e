// Shared test helpers: the SciPy reference file, a tolerance check, and a seeded RNG for simulations.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** test/fixtures/stats/reference.json, written by scripts/make-stats-fixtures.py. */
export const reference: Json = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/stats/reference.json', import.meta.url)), 'utf8'),
);

/**
 * |actual - expected| <= rel·|expected| + abs. The default (relative 1e-6, absolute 1e-12) is the
 * tolerance for every SciPy comparison: relative, because p-values go down to 1e-32 where an absolute
 * 1e-6 would accept anything.
 */
export function expectClose(actual: number, expected: number, rel = 1e-6, abs = 1e-12, label = ''): void {
  const ok = Math.abs(actual - expected) <= rel * Math.abs(expected) + abs;
  expect(ok, `${label}: got ${actual}, expected ${expected} (rel ${rel})`).toBe(true);
}

/** JSON has no Infinity: the fixtures write null for an interval that does not exist at that level. */
export function bound(value: number | null, side: 'lo' | 'hi'): number {
  if (value !== null) return value;
  return side === 'lo' ? -Infinity : Infinity;
}
