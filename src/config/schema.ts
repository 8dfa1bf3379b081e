// The repo config `.github/bumpbench.yml`: one zod schema, the single source of truth for validation,
// defaults (config/default.yml mirrors them) and the JSON schema editors use (config/schema.json).
import { z } from 'zod';
import { KNOWN_VARIABLES_HINT, referencesIn } from './interpolate.ts';
import { defaultExports, kindHas, parseServiceReference, SERVICE_KINDS, serviceFields, type ServiceKind } from './service-vars.ts';
import { checkTemplateReferences, loginSchema, scenarioSchema } from './traffic-schema.ts';
import { duration, fraction, nonNegativeDuration, positiveInt } from './value-schemas.ts';

export { scenarioSchema } from './traffic-schema.ts';

/** The longest soak a job may ask for: a runner busy for longer than half a day blocks every other PR. */
export const MAX_SOAK_MS = 12 * 3_600_000;

const TIMEOUT_DEFAULTS = { install: 20 * 60_000, build: 20 * 60_000, setup: 20 * 60_000 };

const SOAK_DEFAULTS = { duration: 2 * 3_600_000, rate: 100, connections: 10, sampleEvery: 5_000, warmup: 900_000, window: 600_000 };

/**
 * Memory soak: base and head side by side under the same fixed request rate, memory of each server's
 * process tree sampled throughout, a trend test per side (docs/soak.md). The defaults are the leak rule of
 * the methodology: warm-up the longer of 15 min and 10% of the soak, minima of 10-minute windows.
 */
const soakSchema = z
  .strictObject({
    duration: duration.default(SOAK_DEFAULTS.duration).refine((ms) => ms <= MAX_SOAK_MS, { message: 'at most 12h' }),
    /** Requests per second sent to EACH side (a fixed rate, so both get the same load whatever their speed). */
    rate: positiveInt.max(100_000).default(SOAK_DEFAULTS.rate),
    connections: positiveInt.max(1000).default(SOAK_DEFAULTS.connections),
    /** How often the memory of each server's process tree is read. */
    sampleEvery: duration.default(SOAK_DEFAULTS.sampleEvery),
    /** Dropped from the trend test: the longer of this and 10% of the soak. */
    warmup: nonNegativeDuration.default(SOAK_DEFAULTS.warmup),
    /** The minimum of each window goes into the trend test (minima ignore GC sawtooth). */
    window: duration.default(SOAK_DEFAULTS.window),
    /** Scenario names to cycle through (default: every scenario). */
    scenarios: z.array(z.string().min(1)).optional(),
  })
  .default(SOAK_DEFAULTS);

const readySchema = z.union([
  z.string().startsWith('/', 'must be a path starting with "/", e.g. /health'),
  z.strictObject({
    path: z.string().startsWith('/', 'must start with "/", e.g. /health'),
    timeout: duration.default(30_000),
  }),
]);

/** Environment values: strings, or numbers and booleans written plainly in YAML (`PORT_OFFSET: 2`). */
const envValues = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and "_", not starting with a digit'),
  z.union([z.string(), z.number(), z.boolean()]).transform(String),
);

/**
 * A service's readiness: a line its log prints (a regular expression), a command that succeeds once it
 * answers (run in the job's network), or an HTTP path that answers 2xx. Without one, a known kind waits
 * for its own "ready" line and a `start` command for its port to accept connections.
 */
const serviceReadySchema = z
  .strictObject({
    log: z.string().min(1).optional(),
    command: z.string().min(1).optional(),
    http: z.string().startsWith('/', 'must start with "/", e.g. /health').optional(),
    timeout: duration.default(30_000),
  })
  .superRefine((ready, ctx) => {
    const given = (['log', 'command', 'http'] as const).filter((k) => ready[k] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `give one of log, command or http, not ${given.join(' and ')}` });
    if (ready.log !== undefined) {
      try {
        new RegExp(ready.log);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['log'], message: `not a regular expression (${(err as Error).message})` });
      }
    }
  });

/** How a service's state goes back to where setup left it before each sample. */
const serviceResetSchema = z.union([
  z.enum(['template', 'none']),
  z.strictObject({ command: z.string().min(1) }),
]);

export const serviceSchema = z
  .strictObject({
    /** A server bumpbench knows how to start from the system's binaries. */
    kind: z.enum(SERVICE_KINDS, { error: `one of ${SERVICE_KINDS.join(', ')}, or leave it out and give \`start\`` }).optional(),
    /** Or a command that starts the service in the foreground; it gets PORT, HOST and DATA_DIR. */
    start: z.string().min(1).optional(),
    /** Extra arguments for a known kind's server, e.g. ["-c", "work_mem=64MB"] for postgres. */
    args: z.array(z.string()).default([]),
    user: z.string().regex(/^[A-Za-z_][\w-]*$/, 'letters, digits, "_" and "-"').optional(),
    password: z.string().optional(),
    database: z.string().regex(/^[A-Za-z_][\w-]*$/, 'letters, digits, "_" and "-"').optional(),
    ready: serviceReadySchema.optional(),
    /** What it exports into the app's environment; default: the kind's usual variables (DATABASE_URL, REDIS_URL, …). */
    env: envValues.optional(),
    /** `template` (default): its data as setup left it, restored before every sample; `none`; or a command run before every sample. */
    reset: serviceResetSchema.default('template'),
  })
  .superRefine((service, ctx) => {
    if ((service.kind === undefined) === (service.start === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: service.kind === undefined
          ? `give a kind (${SERVICE_KINDS.join(', ')}) or a start command, e.g. kind: postgres`
          : 'give a kind or a start command, not both',
      });
    }
    for (const field of ['user', 'password', 'database'] as const) {
      if (service[field] !== undefined && !kindHas(service.kind, field)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `only for ${SERVICE_KINDS.filter((k) => kindHas(k, field)).join(', ')}` });
      }
    }
    if (service.args.length > 0 && service.kind === undefined) {
      ctx.addIssue({ code: 'custom', path: ['args'], message: 'only with a kind; put the arguments in `start`' });
    }
  });

/** `install` as a command, or `{ command, scripts }`. */
const installSchema = z
  .union([
    z.string().min(1),
    z.strictObject({
      command: z.string().min(1).optional(),
      /**
       * Lifecycle scripts during the install. `dependencies` (default): the dependencies' run (native
       * modules build), the project's own (prepare, prepublish, postinstall, …) do not. `all`: both, as the
       * package manager would (`true` says the same). `none`: neither (`false`).
       */
      scripts: z
        .union([z.enum(['dependencies', 'all', 'none'], { error: 'one of dependencies, all or none' }), z.boolean()])
        .transform((v) => (v === true ? 'all' : v === false ? 'none' : v))
        .default('dependencies'),
    }),
  ])
  .transform((v) => (typeof v === 'string' ? { command: v, scripts: 'dependencies' as const } : v));

export const thresholdsSchema = z
  .strictObject({
    throughput: fraction.default(0.05),
    latency_p50: fraction.default(0.05),
    latency_p90: fraction.default(0.1),
    latency_p99: fraction.default(0.1),
    cpu_per_request: fraction.default(0.05),
    rss: fraction.default(0.1),
  })
  .default({ throughput: 0.05, latency_p50: 0.05, latency_p90: 0.1, latency_p99: 0.1, cpu_per_request: 0.05, rss: 0.1 });

const metricName = z.enum(['throughput', 'latency_p50', 'latency_p90', 'latency_p99', 'cpu_per_request', 'rss']);

export const configSchema = z.strictObject({
  /** Defaults from the lockfiles the repo has (package-lock.json → npm ci, requirements.txt → venv + pip, …). */
  install: installSchema.default({ scripts: 'dependencies' }),
  build: z.string().min(1).optional(),
  start: z.string({ error: 'the command that starts your server, e.g. "node server.js"' }).min(1),
  /** Working directory of install/build/start, relative to the repo root (monorepos). */
  cwd: z.string().default('.'),
  /** Values may use ${PORT}, ${HOST}, other keys, env_file keys and ${services.NAME.FIELD}. */
  env: envValues.default({}),
  /** A dotenv file in the project (e.g. .env.example) read first; `env` and the services' exports win over it. */
  env_file: z.string().min(1).optional(),
  /** Servers the app needs (databases, caches), started for each side in its sandbox with their own data. */
  services: z
    .record(z.string().regex(/^[A-Za-z][\w-]*$/, 'a service name: a letter, then letters, digits, "_" or "-"'), serviceSchema)
    .default({}),
  /** Commands run once per side after install and build, against its services (migrate, seed). */
  setup: z
    .union([z.string().min(1), z.array(z.string().min(1))])
    .default([])
    .transform((v) => (typeof v === 'string' ? [v] : v)),
  ready: readySchema.default('/').transform((r) =>
    typeof r === 'string' ? { path: r, timeoutMs: 30_000 } : { path: r.path, timeoutMs: r.timeout },
  ),
  /** Requests sent once per server start before the scenarios (a login); what they capture fills {{name}}. */
  login: loginSchema.optional(),
  scenarios: z.array(scenarioSchema).min(1, 'add at least one scenario, e.g. { name: home, path: / }'),
  repeats: z
    .strictObject({ min: positiveInt.max(200).default(8), max: positiveInt.max(500).default(15) })
    .default({ min: 8, max: 15 })
    .refine((r) => r.max >= r.min, { message: 'max must be >= min' }),
  thresholds: thresholdsSchema,
  /** Metrics that can make the verdict a regression. The others are reported only. */
  gatedMetrics: z.array(metricName).default(['throughput', 'latency_p50', 'latency_p99', 'cpu_per_request']),
  /**
   * The runtime to run on when the repository pins none (.nvmrc, .python-version, … win over this):
   * `node: "22"` is fetched from the npm registry, `python: "pypy3"` or "3.12" is found on the machine.
   */
  runtime: z
    .strictObject({
      node: z.string().min(1, 'write a Node version, e.g. "22"').optional(),
      python: z.string().min(1, 'write a Python version, e.g. "3.12" or "pypy3"').optional(),
    })
    .default({}),
  /** Pin the server and the load generator to different CPUs (needs >= 2 CPUs and `taskset`). */
  pinCpus: z.boolean().default(true),
  /**
   * Hints (docs/hints.md): one extra, unmeasured server per side with hooks that count outbound calls and
   * profile CPU by package, so the report can say why head differs. The measured runs never load them.
   */
  hints: z.boolean().default(true),
  bisect: z
    .strictObject({ maxSteps: positiveInt.max(100).default(12) })
    .default({ maxSteps: 12 }),
  soak: soakSchema,
  triggers: z
    .strictObject({
      auto: z.enum(['bots', 'all', 'off']).default('bots'),
      label: z.string().min(1).default('benchmark'),
      /**
       * An automatic run of a bump that changes only dev dependencies (and nothing else) is skipped with a
       * neutral check saying so; the label and `/bumpbench bench` still run it.
       */
      skipDevOnly: z.boolean().default(true),
    })
    .default({ auto: 'bots', label: 'benchmark', skipDevOnly: true }),
  /** What a regression does to the check run: fail it (blocks the merge when the check is required) or neutral. */
  gate: z.enum(['fail', 'neutral']).default('fail'),
  /**
   * The network of the code under test (docs/security.md). `loopback`: the server reaches nothing but
   * itself, installs and builds reach package registries only. `host`: the machine's network, unfiltered.
   */
  network: z.enum(['loopback', 'host']).default('loopback'),
  /** Hosts installs and builds may reach besides the public registries: "npm.example.com" (ports 80/443) or "host:port". */
  allowHosts: z
    .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'write a host or host:port, e.g. npm.example.com or 10.0.0.5:4873'))
    .default([]),
  /** Deadlines of the repo's own commands; a command still running is killed and the job fails saying so. */
  timeouts: z
    .strictObject({
      install: duration.default(TIMEOUT_DEFAULTS.install),
      build: duration.default(TIMEOUT_DEFAULTS.build),
      setup: duration.default(TIMEOUT_DEFAULTS.setup),
    })
    .default(TIMEOUT_DEFAULTS),
  /**
   * Whether the App may put what the repository's own commands printed (the tail of a failed install, build
   * or server start, a crashed soak server's last output) on the check run and the PR comment. Off: that
   * output goes to the job's log on the bumpbench server only, since code from a pull request chose it.
   */
  publishLogs: z.boolean().default(false),
}).superRefine((config, ctx) => {
  checkReferences(config, ctx);
  checkTemplateReferences(config, ctx);
  const names = config.scenarios.map((s) => s.name);
  config.soak.scenarios?.forEach((name, i) => {
    if (!names.includes(name)) {
      ctx.addIssue({ code: 'custom', path: ['soak', 'scenarios', i], message: `"${name}" is not one of the scenarios (${names.join(', ')})` });
    }
  });
});

/**
 * Every `${...}` in env values must name something that will exist: PORT, HOST, another env key, a
 * service's field, a variable a service exports, or (only known once the file is read) an env_file key.
 * And two services must not export the same variable unnoticed.
 */
function checkReferences(
  config: { env: Record<string, string>; env_file?: string; services: Record<string, ServiceConfig> },
  ctx: z.RefinementCtx,
): void {
  const services = config.services;
  const exported = new Map<string, string>();
  for (const [name, service] of Object.entries(services)) {
    for (const [key, value] of Object.entries(service.env ?? {})) {
      for (const ref of referencesIn(value)) {
        const problem = ref === 'HOST' ? null : serviceReferenceProblem(ref, services);
        if (problem !== null) {
          ctx.addIssue({ code: 'custom', path: ['services', name, 'env', key], message: `\${${ref}} ${problem ?? ''}: a service's env may use \${HOST} and \${services.NAME.FIELD}`.replace(' :', ':') });
        }
      }
    }
    const exports = service.env ? Object.keys(service.env) : Object.keys(defaultExports(name, service.kind));
    for (const key of exports) {
      const other = exported.get(key);
      if (other !== undefined && !service.env) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name],
          message: `exports ${key} like services.${other}; give one of them its own env, e.g. env: { ${name.toUpperCase().replace(/\W/g, '_')}_URL: "\${services.${name}.url}" }`,
        });
      }
      exported.set(key, name);
    }
  }
  for (const [key, value] of Object.entries(config.env)) {
    for (const ref of referencesIn(value)) {
      if (ref === 'PORT' || ref === 'HOST' || Object.hasOwn(config.env, ref) || exported.has(ref)) continue;
      if (ref.startsWith('services.')) {
        const problem = serviceReferenceProblem(ref, services);
        if (problem) ctx.addIssue({ code: 'custom', path: ['env', key], message: `\${${ref}} ${problem}` });
        continue;
      }
      // An env_file's keys are only known once the file is read at the commit being measured.
      if (config.env_file !== undefined) continue;
      ctx.addIssue({ code: 'custom', path: ['env', key], message: `\${${ref}} is not a known variable: ${KNOWN_VARIABLES_HINT}` });
    }
  }
}

/** Why `services.X.F` names nothing (null when it names a field of a service). */
function serviceReferenceProblem(ref: string, services: Record<string, { kind?: ServiceKind }>): string | null {
  const parsed = parseServiceReference(ref);
  if (!parsed) return 'is not a known variable: write ${services.NAME.FIELD}, e.g. ${services.db.port}';
  const service = services[parsed.service];
  if (!service) {
    const names = Object.keys(services);
    return `names no service: ${names.length ? `the services are ${names.join(', ')}` : 'add it under `services:`'}`;
  }
  const fields = serviceFields(service.kind);
  return fields.includes(parsed.field) ? null : `is not a field of services.${parsed.service}: use ${fields.join(', ')}`;
}

export type RepoConfig = z.output<typeof configSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type { Capture, LoginStep, RequestSpec, Scenario, TemplateValue, ValueSource, WeightedRequest } from './traffic-schema.ts';
export type Thresholds = z.output<typeof thresholdsSchema>;
export type SoakConfig = z.output<typeof soakSchema>;
