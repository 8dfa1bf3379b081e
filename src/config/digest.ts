// A fingerprint of how a compare measures: the config parts that shape a sample (what is installed, built,
// set up and started, which requests are sent and for how long). Stored with each compare, so extending it
// later (`--resume`, `/bumpbench more`) can refuse to mix samples measured in different ways. Thresholds,
// gated metrics, repeats and triggers are left out: they change how samples are judged or how many are
// taken, not what one sample is.
import { createHash } from 'node:crypto';
import type { RepoConfig } from './schema.ts';

const MEASURING_KEYS = ['install', 'build', 'start', 'cwd', 'env', 'env_file', 'services', 'setup', 'ready', 'login', 'scenarios', 'runtime', 'pinCpus', 'network'] as const;

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, stable((value as Record<string, unknown>)[k])]));
}

/** "sha256:…" of the measuring parts of a validated config. */
export function measuringDigest(config: RepoConfig): string {
  const parts = Object.fromEntries(MEASURING_KEYS.map((k) => [k, config[k] ?? null]));
  return `sha256:${createHash('sha256').update(JSON.stringify(stable(parts))).digest('hex')}`;
}
