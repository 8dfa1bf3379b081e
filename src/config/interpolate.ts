// `${NAME}` in config values (env, a service's env): what a reference names, and the values with every
// reference replaced. A reference to something that does not exist is an error that names it, never an
// empty string: `${PORT}` left unexpanded, or expanded to nothing, sends an app to the wrong place silently.
// `$${` writes a literal `${`.

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;

/** The names referenced in `text`, in order (duplicates kept). */
export function referencesIn(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(REFERENCE)) if (match[1] !== undefined) names.push(match[1].trim());
  return names;
}

/** `text` with each `${name}` replaced by lookup(name); the first name lookup does not know, if any. */
export function substitute(text: string, lookup: (name: string) => string | undefined): { value: string } | { missing: string } {
  let missing: string | null = null;
  const value = text.replace(REFERENCE, (whole, name: string | undefined) => {
    if (name === undefined) return '${';
    const found = lookup(name.trim());
    if (found === undefined) missing ??= name.trim();
    return found ?? whole;
  });
  return missing === null ? { value } : { missing };
}

/** An env value names a variable nobody defines (or entries that name each other in a circle). */
export class UnknownVariableError extends Error {
  override readonly name = 'UnknownVariableError';
  constructor(
    /** The env key whose value holds the reference. */
    readonly key: string,
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

export const KNOWN_VARIABLES_HINT = 'use PORT, HOST, a key of env or env_file, or ${services.NAME.port} (host, url, user, password, database)';

/**
 * Expands every entry of `env` against `vars` (PORT, HOST, service fields, env_file keys, service exports)
 * and against each other, in dependency order. An entry naming its own key gets the value from `vars`
 * (`DATABASE_URL: ${DATABASE_URL}?sslmode=disable` extends the env_file's). Entries that use a `deferred`
 * name (PORT outside the server) are left out of the result; any other unknown name throws.
 */
export function expandEnv(
  env: Readonly<Record<string, string>>,
  vars: Readonly<Record<string, string>>,
  deferred: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const resolved = new Map<string, string | null>();
  const resolve = (key: string, stack: string[]): string | null => {
    if (resolved.has(key)) return resolved.get(key)!;
    if (stack.includes(key)) {
      throw new UnknownVariableError(key, key, `env.${key}: ${[...stack.slice(stack.indexOf(key)), key].join(' → ')} refer to each other in a circle; give one of them a plain value`);
    }
    let omitted = false;
    const result = substitute(env[key], (name) => {
      if (name !== key && Object.hasOwn(env, name)) {
        const value = resolve(name, [...stack, key]);
        if (value === null) omitted = true;
        return value ?? '';
      }
      if (Object.hasOwn(vars, name)) return vars[name];
      if (deferred.has(name)) {
        omitted = true;
        return '';
      }
      return undefined;
    });
    if ('missing' in result) {
      throw new UnknownVariableError(key, result.missing, `env.${key}: \${${result.missing}} is not a known variable: ${KNOWN_VARIABLES_HINT}`);
    }
    const value = omitted ? null : result.value;
    resolved.set(key, value);
    return value;
  };
  const out: Record<string, string> = {};
  for (const key of Object.keys(env)) {
    const value = resolve(key, []);
    if (value !== null) out[key] = value;
  }
  return out;
}
