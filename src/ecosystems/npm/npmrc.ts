// Which registry npm would ask for a package, and with which credentials: the project's .npmrc, the
// `npm_config_*` environment and the user's ~/.npmrc, with npm's precedence (environment, then project,
// then user) and its `${VAR}` expansion. A yarn berry project's .yarnrc.yml (npmRegistryServer,
// npmScopes, npmAuthToken) is read as yarn reads it instead. Only what a registry request needs is read.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expandEnv } from '../shared/http.ts';
import type { EcosystemContext } from '../types.ts';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

/** Flat key → value settings, in the order they were read (later wins within one file). */
export type NpmSettings = Map<string, string>;

/** Parses .npmrc text: `key = value` lines, `#`/`;` comments, quoted values, `${VAR}` expansion. */
export function parseNpmrc(text: string, env: Record<string, string> = {}): NpmSettings {
  const settings: NpmSettings = new Map();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = expandEnv(line.slice(0, eq).trim(), env);
    let value = line.slice(eq + 1).trim();
    if (/^"(.*)"$/.test(value)) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    } else if (/^'(.*)'$/.test(value)) {
      value = value.slice(1, -1);
    }
    settings.set(key, expandEnv(value, env));
  }
  return settings;
}

function readNpmrc(file: string, env: Record<string, string>): NpmSettings {
  if (!existsSync(file)) return new Map();
  return parseNpmrc(readFileSync(file, 'utf8'), env);
}

/** `${VAR}` and `${VAR:-default}`, as yarn expands them in .yarnrc.yml. */
function expandYarnEnv(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, name: string, fallback?: string) => env[name] ?? fallback ?? whole);
}

/** Registry settings of a yarn berry .yarnrc.yml, in the .npmrc key form used here. */
export function parseYarnrcYml(text: string, env: Record<string, string> = {}): NpmSettings {
  const settings: NpmSettings = new Map();
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return settings;
  }
  if (!doc || typeof doc !== 'object') return settings;
  const rc = doc as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? expandYarnEnv(v, env) : undefined);
  const registry = str(rc.npmRegistryServer);
  if (registry) settings.set('registry', registry);
  const token = str(rc.npmAuthToken);
  if (token) settings.set(`${nerfDart(registry ?? DEFAULT_NPM_REGISTRY)}:_authToken`, token);
  if (rc.npmScopes && typeof rc.npmScopes === 'object') {
    for (const [scope, value] of Object.entries(rc.npmScopes as Record<string, Record<string, unknown>>)) {
      const scopeRegistry = str(value?.npmRegistryServer);
      if (scopeRegistry) settings.set(`@${scope.replace(/^@/, '')}:registry`, scopeRegistry);
      const scopeToken = str(value?.npmAuthToken);
      if (scopeToken) settings.set(`${nerfDart(scopeRegistry ?? registry ?? DEFAULT_NPM_REGISTRY)}:_authToken`, scopeToken);
    }
  }
  if (rc.npmRegistries && typeof rc.npmRegistries === 'object') {
    for (const [server, value] of Object.entries(rc.npmRegistries as Record<string, Record<string, unknown>>)) {
      const serverToken = str(value?.npmAuthToken);
      const url = server.startsWith('//') ? `https:${server}` : server;
      if (serverToken) settings.set(`${nerfDart(url)}:_authToken`, serverToken);
    }
  }
  return settings;
}

/** `npm_config_registry`, `npm_config_@scope:registry`, `NPM_CONFIG_//host/:_authToken` … */
function envSettings(env: Record<string, string>): NpmSettings {
  const settings: NpmSettings = new Map();
  for (const [name, value] of Object.entries(env)) {
    const match = /^npm_config_(.+)$/i.exec(name);
    if (!match) continue;
    const key = match[1];
    // npm lowercases env keys; scoped and nerf-dart keys keep their spelling.
    settings.set(key.startsWith('@') || key.startsWith('//') ? key : key.toLowerCase().replace(/_/g, '-'), value);
  }
  return settings;
}

/** Every setting that applies, highest precedence last so that a plain Map merge keeps the winner. */
export function loadNpmSettings(ctx: Pick<EcosystemContext, 'projectDir' | 'env' | 'repoRoot'>): NpmSettings {
  const env = ctx.env ?? {};
  const layers: NpmSettings[] = [];
  const userConfig = env.NPM_CONFIG_USERCONFIG ?? env.npm_config_userconfig ?? (env.HOME ? path.join(env.HOME, '.npmrc') : undefined);
  if (userConfig) layers.push(readNpmrc(userConfig, env));
  // npm reads the project .npmrc of the folder with package.json; a workspace root's one applies too.
  if (ctx.repoRoot && path.resolve(ctx.repoRoot) !== path.resolve(ctx.projectDir)) layers.push(readNpmrc(path.join(ctx.repoRoot, '.npmrc'), env));
  layers.push(readNpmrc(path.join(ctx.projectDir, '.npmrc'), env));
  layers.push(envSettings(env));
  // yarn berry ignores .npmrc and npm_config_*: its own file decides.
  for (const dir of [ctx.repoRoot, ctx.projectDir]) {
    const file = dir ? path.join(dir, '.yarnrc.yml') : undefined;
    if (file && existsSync(file)) layers.push(parseYarnrcYml(readFileSync(file, 'utf8'), env));
  }
  const merged: NpmSettings = new Map();
  for (const layer of layers) for (const [k, v] of layer) merged.set(k, v);
  return merged;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The registry npm uses for `name`: its scope's registry when configured, else `registry`. */
export function registryFor(name: string, settings: NpmSettings): string {
  if (name.startsWith('@')) {
    const scope = name.slice(0, name.indexOf('/'));
    const scoped = settings.get(`${scope}:registry`);
    if (scoped) return withSlash(scoped);
  }
  return withSlash(settings.get('registry') ?? DEFAULT_NPM_REGISTRY);
}

/** npm's "nerf dart" of a URL: `//host[:port]/path/` without protocol, credentials, query. */
function nerfDart(url: string): string {
  const parsed = new URL(url);
  return `//${parsed.host}${withSlash(parsed.pathname)}`;
}

/**
 * The Authorization header npm would send to `url`: the `//host/path/:_authToken` (Bearer) or
 * `:_auth` / `:username` + `:_password` (Basic) whose nerf dart is the longest prefix of the URL's.
 */
export function authHeaderFor(url: string, settings: NpmSettings): string | undefined {
  const target = nerfDart(url);
  let best: { prefix: string; header: string } | undefined;
  const consider = (prefix: string, header: string) => {
    if (target.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) best = { prefix, header };
  };
  for (const [key, value] of settings) {
    const match = /^(\/\/.+?):(_authToken|_auth|username)$/.exec(key);
    if (!match || !value) continue;
    const prefix = withSlash(match[1]);
    if (match[2] === '_authToken') consider(prefix, `Bearer ${value}`);
    else if (match[2] === '_auth') consider(prefix, `Basic ${value}`);
    else {
      const password = settings.get(`${match[1]}:_password`);
      if (password) consider(prefix, `Basic ${Buffer.from(`${value}:${Buffer.from(password, 'base64').toString('utf8')}`).toString('base64')}`);
    }
  }
  return best?.header;
}
