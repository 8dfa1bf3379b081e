// Which lifecycle scripts an install runs. A project's own install-time scripts are written for its
// developers and publishers — `prepublish: npm test && npm run build`, `prepare: husky install` — and fail
// or waste minutes in a benchmark; its dependencies' scripts build native modules the server needs. So by
// default the project's own are taken out of its package.json files for the length of the install (and
// put back byte for byte), which works the same for npm, pnpm and yarn and for a configured command, while
// the dependencies' scripts run as the package manager runs them. `none` also turns those off; `all`
// leaves everything as the package manager would do it.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type ScriptsPolicy = 'dependencies' | 'all' | 'none';

/** The scripts npm, pnpm and yarn run for the project itself during an install. */
export const OWN_INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare', 'dependencies'];

// Workspace packages sit this deep at most (packages/NAME, apps/GROUP/NAME); deeper manifests are fixtures.
const MAX_DEPTH = 3;

/** The project's package.json and those of the packages under it (workspaces), never node_modules. */
async function ownManifests(projectDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) found.push(file);
    if (depth >= MAX_DEPTH) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      await walk(path.join(dir, entry.name), depth + 1);
    }
  };
  await walk(projectDir, 0);
  return found;
}

export interface StrippedScripts {
  /** "package.json: prepare, prepublish" per manifest changed, relative to the project dir. */
  stripped: string[];
  /** Puts every changed manifest back as it was. */
  restore(): Promise<void>;
}

/** Takes the project's own install-time scripts out of its manifests until restore(). */
export async function stripOwnScripts(projectDir: string): Promise<StrippedScripts> {
  const originals = new Map<string, Buffer>();
  const stripped: string[] = [];
  for (const file of await ownManifests(projectDir)) {
    const text = await readFile(file);
    let manifest: { scripts?: Record<string, unknown> };
    try {
      manifest = JSON.parse(text.toString('utf8')) as typeof manifest;
    } catch {
      continue; // the package manager will say what is wrong with it
    }
    const scripts = manifest.scripts;
    if (!scripts || typeof scripts !== 'object') continue;
    const names = OWN_INSTALL_SCRIPTS.filter((name) => Object.hasOwn(scripts, name));
    if (names.length === 0) continue;
    for (const name of names) delete scripts[name];
    originals.set(file, text);
    await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
    stripped.push(`${path.relative(projectDir, file)}: ${names.join(', ')}`);
  }
  return {
    stripped,
    restore: async () => {
      for (const [file, text] of originals) await writeFile(file, text);
    },
  };
}

/** Environment that turns every lifecycle script off in npm, pnpm, yarn 1 and yarn berry. */
export function noScriptsEnv(): Record<string, string> {
  return { npm_config_ignore_scripts: 'true', YARN_IGNORE_SCRIPTS: 'true', YARN_ENABLE_SCRIPTS: 'false' };
}
