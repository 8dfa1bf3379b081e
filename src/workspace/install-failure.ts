// Which lifecycle script made an install fail, read from the package manager's output: "install failed
// (exit 1)" sends people hunting through 30 lines of log, while "the postinstall script of sharp@0.33.1
// failed (`node install/check`)" says where to look and what to switch.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface FailedScript {
  /** "name@version" of the dependency whose script failed; null when it is the project's own. */
  package: string | null;
  /** The lifecycle event (postinstall, prepare, …) when the output or the manifest tells. */
  event: string | null;
  command: string | null;
}

const EVENTS = 'preinstall|install|postinstall|prepublish|preprepare|prepare|postprepare|prepack|dependencies';

/** The last match of a multiline pattern. */
function lastMatch(text: string, pattern: RegExp): RegExpExecArray | null {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  let last: RegExpExecArray | null = null;
  for (let m = global.exec(text); m; m = global.exec(text)) last = m;
  return last;
}

/** A manifest's name@version and the script whose command is `command`, read from an installed package dir. */
function fromManifest(dir: string, command: string | null): { id: string | null; event: string | null } {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return { id: null, event: null };
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string; scripts?: Record<string, string> };
    const id = manifest.name ? `${manifest.name}${manifest.version ? `@${manifest.version}` : ''}` : null;
    const event = command !== null ? (Object.entries(manifest.scripts ?? {}).find(([, c]) => c === command)?.[0] ?? null) : null;
    return { id, event };
  } catch {
    return { id: null, event: null };
  }
}

/**
 * name@version of an installed path from package-lock.json: npm rolls a failed install back, so the
 * package's own manifest is often gone by the time we read the output.
 */
function fromLockfile(projectDir: string, where: string): string | null {
  const lock = path.join(projectDir, 'package-lock.json');
  if (!existsSync(lock)) return null;
  try {
    const packages = (JSON.parse(readFileSync(lock, 'utf8')) as { packages?: Record<string, { version?: string; name?: string }> }).packages ?? {};
    const key = path.relative(projectDir, path.resolve(projectDir, where)).split(path.sep).join('/');
    const entry = packages[key];
    return entry?.version ? `${entry.name ?? nameFromPath(key)}@${entry.version}` : null;
  } catch {
    return null;
  }
}

/** Whether an installed path is a dependency (under node_modules) rather than the project or one of its workspaces. */
function isDependencyPath(where: string): boolean {
  return where.split(/[\\/]/).includes('node_modules');
}

/** The package name a node_modules path ends in: …/node_modules/@scope/name or …/node_modules/name. */
function nameFromPath(where: string): string {
  const parts = where.split(/[\\/]/);
  const i = parts.lastIndexOf('node_modules');
  const rest = parts.slice(i + 1);
  return rest[0]?.startsWith('@') ? rest.slice(0, 2).join('/') : (rest[0] ?? where);
}

/** The lifecycle script that failed, or null when the output shows none (a network error, a bad lockfile). */
export function findFailedScript(output: string, projectDir: string): FailedScript | null {
  // npm 7+: "npm error path <dir>" and "npm error command sh -c <command>" (npm 7–9 wrote "npm ERR!").
  const npmCommand = lastMatch(output, /^npm (?:error|ERR!) command (?:\/bin\/)?sh -c (.*)$/m);
  if (npmCommand) {
    const command = npmCommand[1].trim();
    const where = lastMatch(output, /^npm (?:error|ERR!) path (.*)$/m)?.[1].trim() ?? projectDir;
    // The banner npm prints before a script it runs in the foreground: "> name@1.0.0 prepare" then "> command".
    const banner = [...output.matchAll(new RegExp(`^> (\\S+) (${EVENTS})\\n> (.*)$`, 'gm'))].reverse().find((m) => m[3].trim() === command);
    if (!isDependencyPath(where)) return { package: null, event: banner?.[2] ?? fromManifest(where, command).event, command };
    const manifest = fromManifest(where, command);
    return { package: manifest.id ?? banner?.[1] ?? fromLockfile(projectDir, where) ?? nameFromPath(where), event: banner?.[2] ?? manifest.event, command };
  }
  // npm 6 and pnpm's error line: "name@1.0.0 postinstall: `command`".
  const stated = lastMatch(output, new RegExp(`(\\S+@[^\\s:]+) (${EVENTS}): \`(.*)\``, 'm'));
  // pnpm: "<path>: Running postinstall script, failed in 18ms" (or the last "Running … script..." before ELIFECYCLE),
  // and ".../node_modules/x postinstall$ command".
  const pnpmRunning = lastMatch(output, new RegExp(`^(\\S*node_modules\\S*?): Running (${EVENTS}) script(?:, failed|\\.\\.\\.)`, 'm'));
  const pnpmCommand = lastMatch(output, new RegExp(`^\\S* (${EVENTS})\\$ (.*)$`, 'm'));
  if (stated || (pnpmRunning && /ELIFECYCLE/.test(output))) {
    const command = stated?.[3] ?? pnpmCommand?.[2]?.trim() ?? null;
    const event = stated?.[2] ?? pnpmRunning?.[2] ?? null;
    if (stated) {
      const id = stated[1];
      const own = fromManifest(projectDir, null).id;
      return { package: own !== null && own === id ? null : id, event, command };
    }
    const where = pnpmRunning![1];
    return { package: fromManifest(path.resolve(projectDir, where), command).id ?? nameFromPath(where), event, command };
  }
  // pnpm, the project's own script: "> app@1.0.0 prepare /dir" then "> command", then ELIFECYCLE.
  if (/ELIFECYCLE/.test(output)) {
    const banner = lastMatch(output, new RegExp(`^> (\\S+) (${EVENTS})(?: \\S+)?\\n> (.*)$`, 'm'));
    if (banner) return { package: null, event: banner[2], command: banner[3].trim() };
  }
  // yarn 1: "error <dir>: Command failed." … "Command: <command>".
  const yarn = lastMatch(output, /^error (\S+): Command failed\.\s*\n(?:.*\n)*?Command: (.*)$/m);
  if (yarn) {
    const where = yarn[1];
    const command = yarn[2].trim();
    if (!isDependencyPath(where)) return { package: null, event: fromManifest(where, command).event, command };
    const manifest = fromManifest(where, command);
    return { package: manifest.id ?? nameFromPath(where), event: manifest.event, command };
  }
  // yarn berry: "YN0009: │ name@npm:1.0.0 couldn't be built successfully (exit code 1, …)".
  const berry = lastMatch(output, /YN0009: .*?(@?[^\s@]+)@(?:npm:)?([^\s]+) couldn't be built successfully/m);
  if (berry) return { package: `${berry[1]}@${berry[2]}`, event: null, command: null };
  return null;
}

/** One clause for the error message, with what to do about it. */
export function describeFailedScript(failed: FailedScript): string {
  const script = failed.event ? `"${failed.event}" script` : failed.package === null ? 'lifecycle script' : 'install script';
  const command = failed.command ? ` (\`${failed.command}\`)` : '';
  if (failed.package === null) {
    return (
      `the project's own ${script} failed${command}. bumpbench runs the project's own install scripts only with ` +
      '`install: { scripts: all }`; leave that out, or move what the server needs into `build`'
    );
  }
  return (
    `the ${script} of the dependency ${failed.package} failed${command}. Dependencies' install scripts run so ` +
    'native modules get built; if the server does not need it, `install: { scripts: none }` turns them off'
  );
}
