// Where `serve` and `worker` find the runner fleet's Redis URL and shared key: the environment or a file,
// never the command line, whose arguments every user of the machine can read in /proc/PID/cmdline.
import { readFileSync } from 'node:fs';
import { redactor, redisPassword } from '../github/redact.ts';
import { FleetKey, FleetKeyError } from '../jobs/fleet-key.ts';

export interface FleetFlags {
  /** `--redis-url-file PATH`: a file holding the Redis URL. */
  redisUrlFile?: string;
  /** `--fleet-key-file PATH`: a file holding the key the App and its runners share. */
  fleetKeyFile?: string;
}

export interface FleetSettings {
  redisUrl: string;
  key: FleetKey;
}

export const FLEET_KEY_HINT =
  'set BUMPBENCH_FLEET_KEY or pass --fleet-key-file PATH, with the same key on the App and on every runner ' +
  '(make one with `openssl rand -hex 32`; see docs/deployment.md)';

export const REDIS_URL_HINT = 'set BUMPBENCH_REDIS_URL (or REDIS_URL) in the environment, or pass --redis-url-file PATH';

function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new FleetKeyError(`cannot read ${what} from ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): check the path and that this user may read it`);
  }
}

/**
 * The fleet's settings, null when no Redis URL is configured (no fleet: jobs run here), or a message
 * saying what is missing and how to give it. Registers the secrets with the redactor.
 */
export function readFleetSettings(flags: FleetFlags, env: NodeJS.ProcessEnv = process.env): FleetSettings | null | string {
  try {
    const redisUrl = flags.redisUrlFile ? readSecretFile(flags.redisUrlFile, 'the Redis URL') : env.BUMPBENCH_REDIS_URL || env.REDIS_URL || '';
    if (!redisUrl) {
      return flags.fleetKeyFile ? `--fleet-key-file is for a runner fleet, but no Redis URL is configured: ${REDIS_URL_HINT}` : null;
    }
    if (!/^rediss?:\/\/\S+$/.test(redisUrl)) {
      return `the Redis URL must look like redis://[:password@]host:6379 or rediss://… (${flags.redisUrlFile ? `in ${flags.redisUrlFile}` : 'in the environment'})`;
    }
    redactor.add(redisPassword(redisUrl));
    const keyText = flags.fleetKeyFile ? readSecretFile(flags.fleetKeyFile, 'the fleet key') : (env.BUMPBENCH_FLEET_KEY ?? '');
    if (!keyText.trim()) return `a runner fleet needs the key the App and its runners share: ${FLEET_KEY_HINT}`;
    const key = FleetKey.from(keyText);
    redactor.add(keyText.trim());
    return { redisUrl, key };
  } catch (err) {
    if (err instanceof FleetKeyError) return err.message;
    throw err;
  }
}
