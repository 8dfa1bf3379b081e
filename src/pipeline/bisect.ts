// The bisect job, as numbered steps: resolve the commits, read the config from the base, read the
// lockfile and runtime changes (a runtime that differs between the sides is one more part to search),
// prepare base and head, confirm the regression (base vs head, the compare method),
// then search — which package, which release — measuring each candidate state (base with some of head's
// versions pinned) against both ends. One load generator serves the whole job, installs are cached by
// the pinned version set, and whatever happens every server and worktree is gone when it returns.
import path from 'node:path';
import { createLoadGenerator, type LoadGenerator } from '../bench/index.ts';
import { whilePinned } from '../bench/self-affinity.ts';
import { overallVerdict } from '../bench/analysis.ts';
import { metricSpec } from '../bench/metrics.ts';
import {
  StepBudget, pickDecisiveMetric, runTrio, searchCulprit, shareOf, verdictOf,
  type DecisiveMetric, type Oracle, type PackageChange, type Probe, type TrioRole, type VersionSet,
} from '../bisect/index.ts';
import type { RepoConfig } from '../config/schema.ts';
import { ecosystems, PinInstallError, PinUnsupportedError, type EcosystemContext } from '../ecosystems/index.ts';
import type { BisectEvidence, Culprit, Ecosystem, Hint, JobRequest, JobResult, Observation, ProgressFn, RunSample, ScenarioResult } from '../model.ts';
import { ResultsStore } from '../store/results-store.ts';
import { readFileAt, removeWorktree } from '../workspace/git.ts';
import { childEnvFor } from './child-env.ts';
import { cpuPlan, profilesDirOf, type RunJobOptions } from './compare.ts';
import { UserFacingError } from './errors.ts';
import { loadCalibration } from './job-calibration.ts';
import { openJob, removeJobDir } from './job-config.ts';
import { lockfileChanges } from './lockfile-changes.ts';
import { describeProblems, measurePair } from './measure-pair.ts';
import { observeSides } from './observe-sides.ts';
import { hintsAbout, suspectFromHints } from '../hints/index.ts';
import { measureSample } from './measure-sample.ts';
import { prepareSide, releaseSide, type PreparedSide } from './prepare-side.ts';
import { searchablePackages } from './searchable-packages.ts';
import { pinnedVersions, type SourceSpecs } from './source-pins.ts';
import type { ResolvedRuntime } from '../runtimes/index.ts';
import { candidateRuntimes, isRuntimePart, packageVersions, runtimeKindOf, runtimeParts } from './runtime-parts.ts';
import { resolveSideRuntimes, runtimeAccess, runtimeSides } from './side-runtimes.ts';

/**
 * Rounds of one step: start at 4 (the fewest with which a 95% interval can place a candidate) because a
 * culprit's effect is by then known to be clear, and grow while the step is unclear up to the config's
 * repeats and at least 12, so a noisy step buys more rounds instead of ending the search with a range.
 */
export function stepRounds(config: RepoConfig): { min: number; max: number } {
  return { min: 4, max: Math.max(config.repeats.max, config.repeats.min, 12) };
}

/** The final re-check measures as many pairs as the config's compare does, so its ratio is as sure as the confirmation's. */
export function recheckRepeats(config: RepoConfig): { min: number; max: number } {
  const min = Math.max(config.repeats.min, 6);
  return { min, max: Math.max(min, config.repeats.max) };
}

/** The candidate's server would not start: like an install failure, the release is skipped. */
class CandidateBroken extends Error {}

interface BisectContext {
  repoDir: string;
  /** Who the install cache belongs to (the repository). */
  cacheScope: string;
  baseSha: string;
  headSha: string;
  jobDir: string;
  cacheDir: string;
  config: RepoConfig;
  stepConfig: RepoConfig;
  base: PreparedSide;
  head: PreparedSide;
  load: LoadGenerator;
  serverCpus?: string;
  /** Where this process runs while it measures (off the server's CPUs); installs in between run unpinned. */
  selfCpus?: string;
  decisive: DecisiveMetric;
  ecosystemOf: Map<string, Ecosystem>;
  sourceSpecs: SourceSpecs;
  /** Each side's runtimes, and the runtime parts of the search (a runtime that differs between them). */
  runtimes: { base: ResolvedRuntime[]; head: ResolvedRuntime[]; parts: PackageChange[] };
  options: RunJobOptions;
  progress: ProgressFn;
  samples: RunSample[];
  worktrees: Set<string>;
  /** What pinning said about the candidates (a state the package manager resolved unfrozen, …), once each. */
  pinNotes: Set<string>;
}

function installKeyOf(versions: VersionSet, ecosystemOf: Map<string, Ecosystem>): string {
  return `bisect\0${Object.keys(versions).sort().map((n) => `${isRuntimePart(n) ? 'runtime' : ecosystemOf.get(n)}:${n}@${versions[n]}`).join('\0')}`;
}

function describeVersions(versions: VersionSet): string {
  return Object.entries(versions).map(([n, v]) => `${n}@${v}`).join(', ');
}

let stepCounter = 0;

/** One shell word per argument (single-quoted), for commands the sandbox runs with `sh -c`. */
function shellCommand(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Base with `versions` pinned, installed (from the cache when this version set was installed before) and
 * built, on base's runtimes except those the set takes at head's version.
 */
async function prepareCandidate(ctx: BisectContext, versions: VersionSet, label: string): Promise<PreparedSide> {
  const dir = path.join(ctx.jobDir, `state-${++stepCounter}`);
  ctx.worktrees.add(dir);
  const extraEnv: Record<string, string> = { ...ctx.options.childEnv };
  const { sandbox } = ctx.base;
  const runtimes = candidateRuntimes(ctx.runtimes.base, ctx.runtimes.head, ctx.runtimes.parts, versions);
  const access = runtimeAccess(runtimes);
  return prepareSide({
    label, repoDir: ctx.repoDir, sha: ctx.baseSha, worktreeDir: dir, cacheDir: ctx.cacheDir, config: ctx.config, configName: ctx.base.configName,
    sandbox, cacheScope: ctx.cacheScope, extraEnv, runtimes, installKey: installKeyOf(versions, ctx.ecosystemOf), serverCpus: ctx.serverCpus,
    onProgress: ctx.progress, signal: ctx.options.signal,
    beforeInstall: async (projectDir) => {
      const pinEnv: Record<string, string> = {};
      let installCommand: string | undefined;
      const byEcosystem = new Map<Ecosystem, VersionSet>();
      for (const [name, version] of Object.entries(pinnedVersions(packageVersions(versions), ctx.sourceSpecs))) {
        const eco = ctx.ecosystemOf.get(name)!;
        byEcosystem.set(eco, { ...byEcosystem.get(eco), [name]: version });
      }
      for (const [eco, set] of byEcosystem) {
        const pinned = await ecosystems[eco].pin(projectDir, set, {
          env: childEnvFor(projectDir, ctx.config, { ...access.env, ...extraEnv, ...pinEnv }, access.bins), repoRoot: dir, signal: ctx.options.signal,
          // An unfrozen install a state needs is the configured one with its freeze flag off (unfrozen-install.ts).
          install: ctx.config.install.command,
          // Head's lockfile and manifest, so the candidate takes the pinned packages' entries as head locked them.
          headFile: (relative) => readFileAt(ctx.repoDir, ctx.headSha, path.posix.join(ctx.config.cwd, relative)),
          run: (command, args, cwd, env) =>
            sandbox.run({
              command: shellCommand([command, ...args]), cwd, env, phase: 'install', writable: [dir], readOnly: access.mounts,
              deadlineMs: ctx.config.timeouts.install, signal: ctx.options.signal,
            }),
        });
        Object.assign(pinEnv, pinned.env);
        installCommand ??= pinned.installCommand;
        for (const note of pinned.notes) ctx.pinNotes.add(note);
      }
      return { env: pinEnv, installCommand };
    },
  });
}

async function dropCandidate(ctx: BisectContext, side: PreparedSide | undefined, dir?: string): Promise<void> {
  await releaseSide(side);
  const target = side?.worktree ?? dir;
  if (!target) return;
  await removeWorktree(target);
  ctx.worktrees.delete(target);
}

function valueOf(ctx: BisectContext, samples: RunSample[]): number | null {
  const sample = samples.find((s) => s.scenario === ctx.decisive.scenario);
  if (!sample || !sample.ok) return null;
  return metricSpec(ctx.decisive.metric).read(sample);
}

/** Install failures (pin or install or build) of a candidate become a skipped state; anything else is a real error. */
function installFailure(err: unknown): string | null {
  if (err instanceof PinInstallError) return err.outputTail ? `${err.message}\n${err.outputTail}` : err.message;
  if (err instanceof UserFacingError) return err.message;
  return null;
}

function makeOracle(ctx: BisectContext): Oracle {
  const rounds = stepRounds(ctx.config);
  return {
    async probe(versions, label, judge): Promise<Probe> {
      let candidate: PreparedSide | undefined;
      try {
        try {
          candidate = await prepareCandidate(ctx, versions, 'candidate');
        } catch (err) {
          if (err instanceof PinUnsupportedError) throw new UserFacingError(`cannot pin ${describeVersions(versions)}: ${err.message}`);
          const why = installFailure(err);
          if (why === null) throw err;
          ctx.progress({ phase: 'bisect', message: `${label}: does not install, skipped (${why.split('\n')[0]})` });
          return { versions, label, position: null, ratio: null, ci: null, pairs: 0, installError: why.split('\n')[0] };
        }
        const sides: Record<TrioRole, PreparedSide> = { base: ctx.base, candidate, head: ctx.head };
        const trio = await whilePinned(ctx.selfCpus, () => runTrio({
          minRounds: rounds.min,
          maxRounds: rounds.max,
          judge,
          confirmedRatio: ctx.decisive.ratio,
          signal: ctx.options.signal,
          measure: async (role, round) => {
            let samples: RunSample[];
            try {
              samples = await measureSampleFor(ctx, sides[role], role === 'base' ? 'base' : 'head', round);
            } catch (err) {
              if (role === 'candidate' && err instanceof UserFacingError) throw new CandidateBroken(err.message);
              throw err;
            }
            if (role === 'candidate') ctx.samples.push(...samples);
            return valueOf(ctx, samples);
          },
          onRound: (round, planned) => ctx.progress({ phase: 'measure', message: `${label}: round ${round} of ${planned} (base, candidate, head)`, step: round, total: planned }),
        })).catch((err: unknown) => {
          if (err instanceof CandidateBroken) return err;
          throw err;
        });
        if (trio instanceof CandidateBroken) {
          return { versions, label, position: null, ratio: null, ci: null, pairs: 0, installError: trio.message };
        }
        return {
          versions, label, position: trio.position, ratio: trio.ratio?.ratio ?? null,
          ci: trio.ratio ? [trio.ratio.lo, trio.ratio.hi] : null, pairs: trio.rounds,
        };
      } finally {
        await dropCandidate(ctx, candidate);
      }
    },

    async recheck(from, to, label): Promise<Probe> {
      const prepared: PreparedSide[] = [];
      try {
        try {
          prepared.push(await prepareCandidate(ctx, from, 'last good'));
          prepared.push(await prepareCandidate(ctx, to, 'first bad'));
        } catch (err) {
          const why = installFailure(err);
          if (why === null) throw err;
          return { versions: to, label, position: null, ratio: null, ci: null, pairs: 0, installError: why.split('\n')[0] };
        }
        const outcome = await whilePinned(ctx.selfCpus, () => measurePair({
          base: prepared[0], head: prepared[1], config: ctx.stepConfig, load: ctx.load, serverCpus: ctx.serverCpus,
          repeats: recheckRepeats(ctx.config), onProgress: ctx.progress, signal: ctx.options.signal,
        }));
        ctx.samples.push(...outcome.samples);
        const m = outcome.scenarios.find((s) => s.name === ctx.decisive.scenario)?.metrics[ctx.decisive.metric];
        if (!m) return { versions: to, label, position: null, ratio: null, ci: null, pairs: outcome.pairs, installError: 'the re-check runs failed' };
        return {
          versions: to, label, position: shareOf({ ratio: m.ratio, lo: m.ci[0], hi: m.ci[1] }, ctx.decisive.ratio),
          ratio: m.ratio, ci: m.ci, pairs: outcome.pairs,
        };
      } finally {
        for (const side of prepared) await dropCandidate(ctx, side);
      }
    },
  };
}

function measureSampleFor(ctx: BisectContext, prepared: PreparedSide, side: 'base' | 'head', pair: number): Promise<RunSample[]> {
  return measureSample({ prepared, side, pair, config: ctx.stepConfig, load: ctx.load, serverCpus: ctx.serverCpus });
}

function evidenceOf(probe: Probe): BisectEvidence {
  return {
    versions: probe.versions,
    label: probe.label,
    kind: probe.kind,
    verdict: verdictOf(probe.position),
    ratio: probe.ratio,
    ci: probe.ci,
    position: probe.position ? probe.position.estimate : null,
    pairs: probe.pairs,
    ...(probe.installError ? { error: probe.installError } : {}),
  };
}

export async function runBisect(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
  const startedAt = new Date().toISOString();
  const progress = options.onProgress ?? (() => {});
  const { signal } = options;
  // 1–2. The commits, and the config from the base commit (never from the head being judged).
  progress({ phase: 'prepare', message: `opening ${request.repo}` });
  const { repoDir, baseSha, headSha, config, configSource, configName, cacheDir, jobDir, sandbox } = await openJob(request, options);
  progress({ phase: 'prepare', message: `config from ${configSource}: ${config.scenarios.length} scenario(s), bisect budget ${config.bisect.maxSteps} measured steps` });

  // 3. What changed, and what of it can be searched: the packages, and the runtime when the sides run on different ones.
  const { changes, notes } = await lockfileChanges(repoDir, baseSha, headSha, request.prText);
  let runtimes;
  try {
    runtimes = await resolveSideRuntimes({
      repoDir, baseSha, headSha, config, baseFlag: request.options?.baseRuntime, headFlag: request.options?.headRuntime, cacheDir, signal, onProgress: progress,
    });
  } catch (err) {
    await removeJobDir(jobDir, [], sandbox);
    throw err;
  }
  changes.push(...runtimes.changes);
  notes.push(...runtimes.notes);
  const parts = runtimeParts(runtimes.base, runtimes.head);
  const sidesRuntimes = runtimeSides(runtimes.base, runtimes.head);
  const { packages, ecosystemOf, sourceSpecs } = searchablePackages(changes, request.options?.package, notes, parts);

  const sides: PreparedSide[] = [];
  const worktrees = new Set<string>();
  const samples: RunSample[] = [];
  let load: LoadGenerator | undefined;
  let calibrationSummary: JobResult['calibration'];
  const finish = (result: Omit<JobResult, 'finishedAt' | 'kind' | 'repo' | 'base' | 'head' | 'changes' | 'soak' | 'startedAt'>): JobResult => {
    const full: JobResult = {
      kind: 'bisect', repo: request.repo, base: { ref: request.base.ref, sha: baseSha }, head: { ref: request.head.ref, sha: headSha },
      changes, soak: null, runtimes: sidesRuntimes, startedAt, finishedAt: new Date().toISOString(), ...(calibrationSummary ? { calibration: calibrationSummary } : {}), ...result,
    };
    const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
    const id = store.saveResult(full, { runId: options.runId });
    store.close();
    progress({ phase: 'done', message: `result stored as #${id} in ${store.file}` });
    if (!options.keepSamples) delete full.samples;
    return full;
  };

  try {
    if (packages.length === 0) throw new UserFacingError(`no package version or runtime changes between ${request.base.ref} and ${request.head.ref} that could be searched: nothing to bisect`);

    // 4. Base and head, installed, built, and their services set up.
    const cpus = cpuPlan(config);
    for (const [label, sha] of [['base', baseSha], ['head', headSha]] as const) {
      signal?.throwIfAborted();
      sides.push(await prepareSide({
        label, repoDir, sha, worktreeDir: path.join(jobDir, label), cacheDir, config, configName, sandbox, cacheScope: request.repo,
        extraEnv: options.childEnv, runtimes: runtimes[label], serverCpus: cpus.server, onProgress: progress, signal,
      }));
    }
    const [base, head] = sides;

    // 5. Confirm the regression with the full compare method.
    const budget = new StepBudget(config.bisect.maxSteps);
    load = await createLoadGenerator({ cpus: cpus.load, spareCpus: cpus.spareLoad, enter: await sandbox.networkPrefix(), signal });
    const loaded = await loadCalibration(request.repo, options);
    const calibration = loaded.byMetric;
    calibrationSummary = loaded.summary;
    const prior = options.confirmedBy;
    const reuse = prior?.kind === 'compare' && prior.base.sha === baseSha && prior.head.sha === headSha;
    let confirmation: { scenarios: ScenarioResult[]; pairs: number };
    if (reuse) {
      progress({ phase: 'bisect', message: `step 1/${budget.max}: the compare just measured confirms base vs head (${prior.verdict})`, step: 1, total: budget.max });
      confirmation = { scenarios: prior.scenarios, pairs: Math.max(0, ...prior.scenarios.map((sc) => sc.pairs)) };
    } else {
      progress({ phase: 'bisect', message: `step 1/${budget.max}: confirming the regression (base vs head)`, step: 1, total: budget.max });
      const measured = await whilePinned(cpus.load, () => measurePair({ base, head, config, load: load!, serverCpus: cpus.server, calibration, onProgress: progress, signal }));
      samples.push(...measured.samples);
      notes.push(...describeProblems(measured.samples));
      confirmation = measured;
    }
    budget.charge();
    const verdict = overallVerdict(confirmation.scenarios);
    const decisive = verdict === 'regression' ? pickDecisiveMetric(confirmation.scenarios) : null;
    if (!decisive) {
      notes.unshift(
        verdict === 'regression'
          ? 'Base vs head regressed through failing requests, not a slower metric: there is no measurement to place the candidates by, so nothing was bisected.'
          : `Base vs head shows no regression (${verdict}): nothing to bisect.`,
      );
      progress({ phase: 'bisect', message: notes[0] });
      return finish({ verdict, scenarios: confirmation.scenarios, culprit: null, notes, samples });
    }
    const metricLabel = `${decisive.scenario} / ${decisive.metric}`;
    progress({ phase: 'bisect', message: `regression confirmed: ${metricLabel} ×${decisive.ratio.toFixed(2)} decides each step; searching ${packages.length} changed package(s)` });

    // 5b. Why: the compare's hints, or an observe run per side now (docs/hints.md). A package they point at is measured first.
    let hints: Hint[] = [];
    let observation: Observation | undefined;
    if (reuse) {
      hints = prior.hints ?? [];
      observation = prior.observation;
    } else if (config.hints) {
      const why = await observeSides({
        base, head, config, load, serverCpus: cpus.server, measured: confirmation.scenarios, changes,
        workDir: path.join(jobDir, 'observe'), profilesDir: profilesDirOf(options.dataDir, jobDir), onProgress: progress, signal,
      });
      hints = why.hints;
      observation = why.observation;
    }
    // With one package there is no package search to order.
    const suspect = packages.length > 1 ? suspectFromHints(hints, packages.map((p) => p.name)) : null;
    if (suspect) {
      notes.push(`The hints point at ${suspect}, so it was measured first; it is named only because the measurements agree.`);
      progress({ phase: 'bisect', message: `hints point at ${suspect}: measuring it first` });
    }
    const why = { ...(hints.length ? { hints } : {}), ...(observation ? { observation } : {}) };

    // 6. Search. Each step measures only the deciding scenario.
    const stepConfig: RepoConfig = { ...config, scenarios: config.scenarios.filter((s) => s.name === decisive.scenario) };
    const ctx: BisectContext = {
      repoDir, cacheScope: request.repo, baseSha, headSha, jobDir, cacheDir, config, stepConfig, base, head, load, serverCpus: cpus.server, selfCpus: cpus.load, decisive,
      ecosystemOf, sourceSpecs, options, progress, samples, worktrees, runtimes: { base: runtimes.base, head: runtimes.head, parts }, pinNotes: new Set(),
    };
    const ecoContext = (): EcosystemContext => ({ projectDir: base.projectDir, repoRoot: base.worktree, env: base.env, signal });
    const evidence: BisectEvidence[] = [{
      versions: Object.fromEntries(packages.map((p) => [p.name, p.to])), label: 'head (every change)', kind: 'confirm', verdict: 'like-head',
      ratio: decisive.ratio, ci: decisive.ci, position: 1, pairs: confirmation.pairs,
    }];
    const found = await searchCulprit({
      packages,
      oracle: makeOracle(ctx),
      budget,
      releasesBetween: async (pkg) => {
        const eco = ecosystems[ecosystemOf.get(pkg.name)!];
        const listed = await eco.listReleasesBetween(pkg.name, pkg.from, pkg.to, ecoContext());
        const versions = listed.map((r) => r.version);
        // Listed ascending; a downgrade searches from its `from` down to its `to`.
        return eco.compareVersions(pkg.from, pkg.to) > 0 ? versions.reverse() : versions;
      },
      onProbe: (probe) => evidence.push(evidenceOf(probe)),
      onStep: (message) => progress({ phase: 'bisect', message: `step ${budget.used + 1}/${budget.max}: ${message}`, step: budget.used + 1, total: budget.max }),
      ...(suspect ? { first: suspect } : {}),
    });
    notes.push(...found.notes);
    notes.push(...[...ctx.pinNotes].map((note) => `Candidates: ${note}`));

    // 7. The culprit, with links to read on.
    let culprit: Culprit | null = null;
    if (found.culprit) {
      const c = found.culprit;
      const runtime = isRuntimePart(c.name);
      const ecosystem = runtime ? 'runtime' : ecosystemOf.get(c.name) ?? ecosystemOf.get(packages[0].name) ?? 'runtime';
      culprit = {
        ecosystem, name: runtime ? runtimeKindOf(c.name) : c.name, lastGood: c.lastGood, firstBad: c.firstBad,
        ratio: c.recheck?.ratio ?? decisive.ratio,
        ...(c.narrowedOnly ? { narrowedOnly: true } : {}),
        ...(c.skipped.length ? { skipped: c.skipped } : {}),
        ...(c.interactsWith.length ? { interactsWith: c.interactsWith } : {}),
        share: c.share,
        contributors: found.contributions.map((x) => ({ names: x.names, share: x.share })),
        metric: metricLabel,
        steps: { used: budget.used, max: budget.max },
        evidence,
      };
      const about = hintsAbout(hints, c.name);
      if (about.length) culprit.hints = about;
      // A non-registry package has no registry entry to read links from.
      const registryPackage = ecosystemOf.get(c.name);
      if (registryPackage && !sourceSpecs.has(c.name)) {
        try {
          const links = await ecosystems[registryPackage].packageLinks(c.name, ecoContext());
          culprit.links = {
            ...(links.compare ? { compare: links.compare(c.lastGood, c.firstBad) } : {}),
            ...(links.changelog ? { changelog: links.changelog } : {}),
            ...(links.repository ? { repository: links.repository } : {}),
          };
        } catch (err) {
          notes.push(`Could not read ${c.name}'s links from the registry: ${(err as Error).message}`);
        }
      }
    }
    progress({
      phase: 'bisect',
      message: culprit
        ? `${culprit.narrowedOnly ? 'narrowed to' : 'culprit:'} ${culprit.name} ${culprit.narrowedOnly ? `between ${culprit.lastGood} and ${culprit.firstBad}` : `${culprit.firstBad} (last good ${culprit.lastGood})`} in ${budget.used} measured steps`
        : `no culprit found in ${budget.used} measured steps`,
    });
    return finish({ verdict, scenarios: confirmation.scenarios, culprit, notes, samples, ...why });
  } finally {
    await load?.close();
    for (const side of sides) await releaseSide(side);
    await removeJobDir(jobDir, [...worktrees, ...sides.map((side) => side.worktree)], sandbox);
  }
}
