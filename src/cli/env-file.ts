// The `.env` file in the working directory, read the way Probot reads it (variables already set win), so
// `serve` and `worker` can check their settings before anything starts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

export function loadDotEnv(file = path.join(process.cwd(), '.env'), env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
}
