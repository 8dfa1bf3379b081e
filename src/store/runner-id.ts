// Which runner a record was measured on. Noise belongs to a machine, but a container's hostname changes
// with every restart: the id is BUMPBENCH_RUNNER_ID when set (a fleet names its runners), otherwise a
// random id written once into the data dir, which a runner keeps across restarts with its cache and store.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const RUNNER_ID_FILE = 'runner-id';

export function runnerId(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.BUMPBENCH_RUNNER_ID?.trim();
  if (given) return given;
  const file = path.join(dataDir, RUNNER_ID_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return stored;
  } catch {
    // first use of this data dir
  }
  const id = `runner-${randomUUID()}`;
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': when two processes race to create it, the first one's id wins and both read it back.
    writeFileSync(file, `${id}\n`, { flag: 'wx' });
  } catch {
    // already written by someone else
  }
  return readFileSync(file, 'utf8').trim() || id;
}
