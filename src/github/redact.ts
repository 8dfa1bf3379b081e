// Keeping secrets (installation tokens, the App's private key, the webhook secret) out of logs, comments,
// check runs and the environment of processes that run code from a pull request.

const TOKEN_PATTERNS: [RegExp, string][] = [
  // Credentials inside a URL: https://x-access-token:TOKEN@host/…
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@'],
  // GitHub token formats (installation, OAuth, user-to-server, refresh, fine-grained PAT).
  [/\b(ghs|gho|ghu|ghr|ghp)_[A-Za-z0-9]{16,}\b/g, '$1_***'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, 'github_pat_***'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[private key redacted]'],
];

/**
 * Environment variables that carry the App's secrets (Probot's names and the manifest flow's), the fleet's
 * shared key, and the Redis URLs (their password).
 */
export const SECRET_ENV_NAMES = [
  'PRIVATE_KEY',
  'WEBHOOK_SECRET',
  'GITHUB_CLIENT_SECRET',
  'CLIENT_SECRET',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'BUMPBENCH_FLEET_KEY',
  'BUMPBENCH_REDIS_URL',
  'REDIS_URL',
];

/** The password of a redis:// URL (what is secret in it), or null. */
export function redisPassword(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).password) || null;
  } catch {
    return null;
  }
}

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret value; short values are ignored (redacting "1" would wreck every message). */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 8) return;
    this.secrets.add(secret);
    // A PEM key also travels with its newlines escaped, and line by line in some error messages.
    if (secret.includes('\n')) {
      this.secrets.add(secret.replace(/\n/g, '\\n'));
      for (const line of secret.split(/\r?\n/)) if (line.length >= 24 && !line.startsWith('-----')) this.secrets.add(line);
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a whole key goes before its lines.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
    for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A message safe to log or show for any thrown value. */
  describe(error: unknown): string {
    return this.redact(error instanceof Error ? error.message : String(error));
  }

  /** Whether the text carries any known secret (for assertions and last-chance checks). */
  leaks(text: string): boolean {
    return this.redact(text) !== text;
  }
}

/** The process-wide redactor: serve/worker register the App's secrets, the runner each installation token. */
export const redactor = new Redactor();

/**
 * Moves the App's secrets out of `env` (default process.env) into the redactor, so no child process can
 * inherit them. Probot has read what it needs by then. Returns the names removed.
 */
export function scrubSecretEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const removed: string[] = [];
  for (const name of SECRET_ENV_NAMES) {
    if (env[name] === undefined) continue;
    // A Redis URL is mostly an address; only its password is secret (and redacting the address would
    // garble every log line that names it).
    redactor.add(name.endsWith('REDIS_URL') ? redisPassword(env[name]!) : env[name]);
    delete env[name];
    removed.push(name);
  }
  return removed;
}

/** Extra child environment with anything secret removed (by name or by value). */
export function safeChildEnv(extra: Record<string, string>, r: Redactor = redactor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra)) {
    if (SECRET_ENV_NAMES.includes(name) || /SECRET|TOKEN|PRIVATE_KEY|PASSWORD/i.test(name) || r.leaks(value)) continue;
    out[name] = value;
  }
  return out;
}
