// What a soak of a given length can tell, before it runs: its warm-up, and whether what is left after it
// holds the windows the trend test needs. A soak that cannot reach a verdict is refused up front with the
// length it needs, instead of running for half an hour to end inconclusive.
import type { SoakConfig } from '../config/schema.ts';
import { windowsForAlpha } from '../stats/trend.ts';

/**
 * Windows a server life needs after its warm-up for the trend test (Mann-Kendall at p < 0.01) to be able
 * to find anything at all: 6. With 4, the methodology's old floor, even a perfectly steady leak gives
 * p = 0.09 at best, so such a soak could only ever say "unchanged".
 */
export const WINDOWS_NEEDED = windowsForAlpha(0.01);

/** The methodology's warm-up: the longer of the configured one and 10% of the soak. */
export function soakWarmupMs(durationMs: number, soak: Pick<SoakConfig, 'warmup'>): number {
  return Math.max(soak.warmup, 0.1 * durationMs);
}

/**
 * The shortest soak that can reach a verdict: the warm-up plus 6 whole windows, plus two sample intervals
 * (the first sample after the warm-up comes up to one interval late, and the last window must be covered).
 * Rounded up to a whole minute when it is over one, to a whole second below that.
 */
export function minSoakMs(soak: Pick<SoakConfig, 'warmup' | 'window' | 'sampleEvery'>): number {
  const measured = WINDOWS_NEEDED * soak.window + 2 * soak.sampleEvery;
  // d − max(warmup, 0.1·d) ≥ measured  ⇔  d ≥ warmup + measured, and d ≥ measured / 0.9.
  const ms = Math.max(soak.warmup + measured, measured / 0.9);
  return ms > 60_000 ? Math.ceil(ms / 60_000) * 60_000 : Math.ceil(ms / 1000) * 1000;
}

/** "55m", "1h30m", "40s": a duration as the slash command and the config write it. */
export function shortDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', rest || s === 0 ? `${rest}s` : ''].join('');
}

/** Why a soak of this length cannot reach a verdict with this config, or null when it can. */
export function soakTooShort(durationMs: number, soak: Pick<SoakConfig, 'warmup' | 'window' | 'sampleEvery'>): string | null {
  const needed = minSoakMs(soak);
  if (durationMs >= needed) return null;
  const warmup = soakWarmupMs(durationMs, soak);
  return (
    `a soak of ${shortDuration(durationMs)} cannot reach a verdict: after its warm-up (${shortDuration(warmup)}) the trend test needs ` +
    `${WINDOWS_NEEDED} windows of ${shortDuration(soak.window)}, so the soak must last at least ${shortDuration(needed)}. ` +
    `Ask for ${shortDuration(needed)} or more, or shorten \`soak.warmup\` and \`soak.window\` in .github/bumpbench.yml (docs/soak.md)`
  );
}
