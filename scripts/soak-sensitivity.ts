// `npm run bench:soak`: the smallest leak a soak detects, measured by simulation. Base and head are
// synthetic memory series (test/stats/synthetic-soak.ts: slow wander of about 1 MiB, GC sawtooth up to
// 8 MiB, a sample every 10 s, 120 MiB), base flat and head leaking L MiB/h; each pair is judged the way a
// soak is (src/bench/soak-analysis.ts: the trend of head − base per window, with the defaults' warm-up and
// windows). Prints per soak length and leak the share of soaks called a regression; L = 0 is the false-alarm
// rate. Figures only, no asserts: docs/soak.md records what it printed.
//
//   npm run bench:soak -- [--runs 200] [--hours 1,2,4,8] [--leaks 0,2,4,6,8,10,12,16,24]
import { parseArgs } from 'node:util';
import { analyseSoakDifference, analyseSoakSide, soakVerdict } from '../src/bench/soak-analysis.ts';
import { soakWarmupMs } from '../src/bench/soak-plan.ts';
import { syntheticSoak } from '../test/stats/synthetic-soak.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    hours: { type: 'string', default: '1,2,4,8' },
    leaks: { type: 'string', default: '0,2,4,6,8,10,12,16,24' },
  },
});
const runs = Number(values.runs);
const hoursList = values.hours!.split(',').map(Number);
const leaks = values.leaks!.split(',').map(Number);
const DEFAULTS = { warmup: 900_000, window: 600_000 };
const facts = { requests: 1, failedRequests: 0 };

console.log(`soak sensitivity: ${runs} simulated soaks per cell, default warm-up (15 min or 10%) and 10-minute windows`);
console.log(`verdict = regression (head − base grows past the bars: p < 0.01, slope > 2 MiB/h, > 10 MiB over the soak)\n`);
console.log(['hours', ...leaks.map((l) => `${l} MiB/h`)].join('\t'));
const smallest: string[] = [];
for (const hours of hoursList) {
  const shape = { warmupSec: soakWarmupMs(hours * 3_600_000, DEFAULTS) / 1000, windowSec: DEFAULTS.window / 1000 };
  const cells: string[] = [];
  let found: number | null = null;
  for (const leak of leaks) {
    let regressions = 0;
    for (let i = 0; i < runs; i++) {
      const seed = 10_000 * hours + 100 * leak + i;
      const base = syntheticSoak({ hours, baseMiB: 120, leakMiBPerHour: 0, seed });
      const head = syntheticSoak({ hours, baseMiB: 120, leakMiBPerHour: leak, seed: seed + 5_000_000 });
      const difference = analyseSoakDifference(base, head, shape);
      const { verdict } = soakVerdict(analyseSoakSide(base, facts, shape), analyseSoakSide(head, facts, shape), difference);
      if (verdict === 'regression') regressions++;
    }
    const share = regressions / runs;
    cells.push(`${(100 * share).toFixed(1)}%`);
    if (found === null && leak > 0 && share >= 0.95) found = leak;
  }
  console.log([String(hours), ...cells].join('\t'));
  smallest.push(`${hours} h: ${found === null ? `none up to ${leaks.at(-1)} MiB/h` : `${found} MiB/h`}`);
}
console.log(`\nsmallest leak (of those tried) found in at least 95% of soaks: ${smallest.join('; ')}`);
