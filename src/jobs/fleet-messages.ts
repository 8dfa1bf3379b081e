// The shapes of what crosses Redis between the App and its runners, as zod schemas. A signature says who
// wrote a message; these say that it is what the reader expects, field by field, before anything acts on it
// (a runner on a job, the App on a result it will publish as a check run).
import { z } from 'zod';
import type { JobResult, ProgressEvent } from '../model.ts';

/** Every message is a JSON text and its HMAC (src/jobs/fleet-key.ts); the text is parsed only once verified. */
export const signedEnvelopeSchema = z.object({
  payload: z.string().max(16_000_000),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SignedEnvelope = z.output<typeof signedEnvelopeSchema>;

/** A commit id: SHA-1, or SHA-256 for repositories in that object format. */
const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/);
const ref = z.object({ ref: z.string().min(1), sha: sha.optional() });
const kind = z.enum(['compare', 'bisect', 'soak']);

/**
 * A job request as a runner accepts it. `options.configFile` is not among its options: a runner reads no
 * file it was told to; the config comes as text (`configText`) or from the base commit.
 */
export const fleetRequestSchema = z.strictObject({
  kind,
  repo: z.string().min(1),
  base: ref,
  head: ref,
  pr: z.number().int().positive().optional(),
  prText: z.object({ title: z.string().optional(), body: z.string().optional() }).optional(),
  options: z
    .strictObject({
      package: z.string().min(1).optional(),
      soakSeconds: z.number().positive().optional(),
      resume: z.union([z.number().int().positive(), z.literal('latest')]).optional(),
      pairs: z.number().int().positive().max(500).optional(),
    })
    .optional(),
});

export const runPayloadSchema = z.strictObject({
  v: z.literal(1),
  /** ms since the epoch; a runner refuses runs older than its limit (a replayed message). */
  issuedAt: z.number().int(),
  request: fleetRequestSchema,
  /** The base branch's .github/bumpbench.yml; the runner validates it with the config schema. */
  configText: z.string().optional(),
  keepSamples: z.boolean().optional(),
  /** The App will hand a sealed clone token over when the run starts (src/jobs/fleet.ts). */
  needsToken: z.boolean(),
  /** A soak's ledger key: a runner taking the run over resumes the soak from it. */
  soakKey: z.string().regex(/^[\w.-]{1,100}$/).optional(),
  /** The App's job id, for the runner's log. */
  jobId: z.number().int().positive().optional(),
});
export type RunPayload = z.output<typeof runPayloadSchema>;

/** A number that JSON may have turned into null (NaN, ±Infinity); read back as NaN, still a number. */
const num = z.union([z.number(), z.null().transform(() => Number.NaN)]);
const verdict = z.enum(['regression', 'improvement', 'unchanged', 'inconclusive']);
const ecosystem = z.enum(['npm', 'pypi']);
const interval = z.tuple([num, num]);

const metricSchema = z.object({
  base: num,
  head: num,
  ratio: num,
  ci: interval,
  confidence: num,
  p: num,
  pAdjusted: num.optional(),
  verdict,
  threshold: num,
  gated: z.boolean(),
  minDetectable: num.optional(),
  pairsNeeded: num.optional(),
});

const metricName = z.enum(['throughput', 'latency_p50', 'latency_p90', 'latency_p99', 'cpu_per_request', 'rss']);

const scenarioSchema = z.object({
  name: z.string(),
  verdict,
  pairs: z.number().int().nonnegative(),
  metrics: z.partialRecord(metricName, metricSchema),
  failedRuns: z.number().int().nonnegative(),
  loadGenBoundRuns: z.number().int().nonnegative(),
});

const evidenceSchema = z.object({
  versions: z.record(z.string(), z.string()),
  label: z.string(),
  kind: z.enum(['confirm', 'package', 'release', 'recheck']).optional(),
  verdict: z.enum(['like-base', 'like-head', 'partial', 'unknown', 'install-failed']),
  ratio: num.nullable(),
  ci: interval.nullable(),
  position: num.nullable().optional(),
  pairs: z.number().int().nonnegative(),
  error: z.string().optional(),
});

const culpritSchema = z.object({
  ecosystem,
  name: z.string(),
  lastGood: z.string(),
  firstBad: z.string(),
  ratio: num,
  narrowedOnly: z.boolean().optional(),
  skipped: z.array(z.string()).optional(),
  interactsWith: z.array(z.string()).optional(),
  share: num.optional(),
  contributors: z.array(z.object({ names: z.array(z.string()), share: num })).optional(),
  metric: z.string().optional(),
  steps: z.object({ used: z.number().int(), max: z.number().int() }).optional(),
  evidence: z.array(evidenceSchema),
  links: z.object({ compare: z.string().optional(), changelog: z.string().optional(), repository: z.string().optional() }).optional(),
});

const soakSideSchema = z.object({
  slopeMiBPerHour: num.nullable(),
  p: num,
  leak: z.boolean(),
  samples: z.number().int().nonnegative(),
  windows: z.number().int().nonnegative(),
  baselineMiB: num.nullable(),
  growthMiB: num.nullable(),
  reason: z.string(),
  requests: z.number().nonnegative(),
  failedRequests: z.number().nonnegative(),
  crashed: z.string().optional(),
  series: z.array(z.tuple([num, num])),
});

const soakSchema = z.object({
  base: soakSideSchema,
  head: soakSideSchema,
  durationSec: num,
  rate: num,
  warmupSec: num,
  windowSec: num,
  scenarios: z.array(z.string()),
  difference: z
    .object({
      slopeMiBPerHour: num.nullable(),
      p: num,
      growthMiB: num.nullable(),
      windows: z.number().int().nonnegative(),
      direction: z.enum(['head-grows', 'head-shrinks', 'flat', 'unknown']),
      reason: z.string(),
    })
    .optional(),
  resumes: z.array(z.object({ atSec: num, gapSec: num })).optional(),
});

const sampleSchema = z.object({
  side: z.enum(['base', 'head']),
  pair: z.number().int().nonnegative(),
  scenario: z.string(),
  ok: z.boolean(),
  failure: z.string().optional(),
  requests: num,
  durationSec: num,
  throughput: num,
  latencyUs: z.object({ p50: num, p90: num, p99: num, mean: num }),
  errors: num,
  timeouts: num,
  non2xx: num,
  cpuSeconds: num,
  cpuPerRequest: num,
  peakRssBytes: num,
  loadGenCpu: num,
  loadGenBound: z.boolean(),
  measuredIn: z.number().int().optional(),
});

export const jobResultSchema: z.ZodType<JobResult> = z.object({
  kind,
  verdict,
  repo: z.string(),
  base: z.object({ ref: z.string(), sha }),
  head: z.object({ ref: z.string(), sha }),
  changes: z.array(
    z.object({
      ecosystem, name: z.string(), from: z.string().nullable(), to: z.string().nullable(), lockfile: z.string().optional(),
      scope: z.enum(['runtime', 'dev']).optional(), direct: z.boolean().optional(),
    }),
  ),
  scenarios: z.array(scenarioSchema),
  culprit: culpritSchema.nullable(),
  soak: soakSchema.nullable(),
  notes: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
  samples: z.array(sampleSchema).optional(),
  configDigest: z.string().optional(),
  resumed: z.object({ from: z.number().int(), pairs: z.array(z.object({ result: z.number().int().nullable(), count: z.number().int().nonnegative() })) }).optional(),
}) as z.ZodType<JobResult>;

export const outcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: jobResultSchema }),
  z.object({
    ok: z.literal(false),
    kind: z.enum(['user', 'config', 'cancelled', 'internal']),
    message: z.string().max(100_000),
    detail: z.string().max(100_000).optional(),
    source: z.string().optional(),
    problems: z.array(z.string()).optional(),
  }),
]);
export type FleetOutcome = z.output<typeof outcomeSchema>;

export const progressEventSchema: z.ZodType<ProgressEvent> = z.object({
  phase: z.enum(['prepare', 'install', 'measure', 'analyse', 'bisect', 'soak', 'done']),
  message: z.string().max(10_000),
  step: z.number().optional(),
  total: z.number().optional(),
});

/** The sealed hand-over of a clone token: the token, or why the App could not mint one. */
export const tokenGrantSchema = z.union([z.object({ token: z.string().min(1) }), z.object({ error: z.string() })]);
export type TokenGrant = z.output<typeof tokenGrantSchema>;

/** Zod's issues as one line a log can carry: `request.base.sha: Invalid string`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
    .join('; ');
}
