import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { budgetCapMs, humanDuration, jobBudget } from '../../src/pipeline/job-budget.ts';

const config = parseConfigText(`start: node server.js
timeouts: { install: 5m, build: 2m }
build: npm run build
ready: { path: /health, timeout: 20s }
repeats: { min: 4, max: 10 }
scenarios:
  - { name: a, path: /, duration: 5s, warmupMax: 10s }
soak: { duration: 1h, warmup: 5m, window: 5m }
`);

describe('job budget', () => {
  it('adds up the deadlines and the measuring the config allows', () => {
    // 2 × (5 + 2) min of installs and builds; 10 pairs × 2 samples × (20 + 10 + 5 + 5) s; 10 min setup.
    const compare = jobBudget('compare', config, {}, Infinity);
    expect(compare.ms).toBe(2 * 7 * 60_000 + 10 * 2 * 40_000 + 10 * 60_000);
    expect(compare.why).toBe('from the config: installs and builds 14 min, 10 pairs 13 min, setup 10 min');
    // A soak: its duration, two warm-ups for resumptions, two server starts.
    const soak = jobBudget('soak', config, { soakSeconds: 7200 }, Infinity);
    expect(soak.ms).toBe(14 * 60_000 + 7_200_000 + 2 * 720_000 + 2 * 20_000 + 10 * 60_000);
    expect(jobBudget('bisect', config, {}, Infinity).ms).toBeGreaterThan(compare.ms * 5);
  });

  it('is capped by the operator', () => {
    const capped = jobBudget('soak', config, { soakSeconds: 12 * 3600 }, budgetCapMs({ BUMPBENCH_MAX_JOB_DURATION: '6h' }));
    expect(capped.ms).toBe(6 * 3_600_000);
    expect(capped.why).toMatch(/; capped at 6 h by BUMPBENCH_MAX_JOB_DURATION$/);
    expect(budgetCapMs({})).toBe(13 * 3_600_000);
    expect(budgetCapMs({ BUMPBENCH_MAX_JOB_DURATION: 'never' })).toBe(13 * 3_600_000);
  });

  it('says durations in words', () => {
    expect(humanDuration(45_000)).toBe('45 s');
    expect(humanDuration(7 * 60_000)).toBe('7 min');
    expect(humanDuration(80 * 60_000)).toBe('1 h 20 min');
    expect(humanDuration(2 * 3_600_000)).toBe('2 h');
  });
});
