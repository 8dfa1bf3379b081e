// The value shapes several config keys share: durations, percentages, counts. Written as users write them
// ("10s", "5%") and turned into numbers (milliseconds, fractions), with a message that shows how to write them.
import { z } from 'zod';
import { parseDurationMs, parseFraction } from './units.ts';

/** "10s", "500ms", "2m", "1h", or a number of seconds. Must be > 0. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration: write e.g. 10s, 500ms, 2m or 1h` });
      return z.NEVER;
    }
    if (ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be positive (got "${value}"): write e.g. 10s` });
      return z.NEVER;
    }
    return ms;
  });

/** "5%" or 0.05. */
export const fraction = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const f = parseFraction(value);
    if (f === null || f < 0 || f >= 10) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a percentage: write e.g. 5% or 0.05` });
      return z.NEVER;
    }
    return f;
  });

export const positiveInt = z.number().int().positive();

/** Like `duration`, but 0 is allowed ("no warm-up"). */
export const nonNegativeDuration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === null || ms < 0) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration >= 0: write e.g. 3s or 0` });
      return z.NEVER;
    }
    return ms;
  });
