// Parsing of the human units the config accepts: durations ("10s", "2h") and fractions ("5%").

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Milliseconds, or null when the value is not a duration. A bare number means seconds. Negative → negative. */
export function parseDurationMs(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : null;
  const trimmed = value.trim();
  const negative = trimmed.startsWith('-');
  const match = DURATION.exec(negative ? trimmed.slice(1) : trimmed);
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  return negative ? -ms : ms;
}

/** 0.05 for "5%", "0.05" or 0.05; null when not a number. */
export function parseFraction(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(value);
  if (!match) return null;
  return match[2] ? Number(match[1]) / 100 : Number(match[1]);
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
