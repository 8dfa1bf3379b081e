// The soak job: base and head side by side on the same host under the same fixed request rate for the
// whole soak (hours by default), the memory of each server's process tree read throughout, then a trend
// test per side (src/bench/soak-analysis.ts). Side by side, not one after the other: whatever else the
// machine does during the soak, it does to both.
import path from 'node:path';
import { createLoadGenerator, sampleTree, type LoadGenerator, type ServerHandle } from '../bench/index.ts';
import { analyseSoakDifference, analyseSoakSide, soakVerdict } from '../bench/soak-analysis.ts';
import { soakTooShort } from '../bench/soak-plan.ts';
import { runSoakSide } from '../bench/soak-run.ts';
import { MAX_SOAK_MS } from '../config/schema.ts';
import { formatDuration } from '../config/units.ts';
import type { JobRequest, JobResult, RuntimeSides, SoakResult } from '../model.ts';
import { ResultsStore } from '../store/results-store.ts';
import { cpuPlan, type RunJobOptions } from './compare.ts';
import { UserFacingError } from './errors.ts';
import { openJob, removeJobDir } from './job-config.ts';
import { lockfileChanges } from './lockfile-changes.ts';
import { logInToServer, startSideServer } from './measure-sample.ts';
import { prepareSides, releaseSide, type PreparedSide } from './prepare-side.ts';
import { resolveSideRuntimes, runtimeSides } from './side-runtimes.ts';
import { startServicesForSample } from './side-setup.ts';
import { observeDir, observeExtras, orderHooks, waitForHooks } from './observe-run.ts';
import { PackageNames, memoryHints, rankHints, readObservation, type ProcessObservation } from '../hints/index.ts';
import type { Hint } from '../model.ts';

/** How long the hooks get for the end-of-soak heap summary (a snapshot of a big heap takes a while). */
const HEAP_WAIT_MS = 120_000;

/** Order the end-of-soak heap summaries on both sides at once (a server that exited has none to give), and read them. */
async function collectHeaps(dirs: readonly string[], servers: readonly ServerHandle[], signal?: AbortSignal): Promise<ProcessObservation[][]> {
  await Promise.all(dirs.map((dir) => orderHooks(dir, 'mem-end')));
  await Promise.all(dirs.map((dir, i) => waitForHooks(dir, 'mem-done', HEAP_WAIT_MS, { signal, running: () => !servers[i].exited })));
  return Promise.all(dirs.map((dir) => readObservation(dir)));
}
import { openSoakLedger } from './soak-ledger-choice.ts';
import { openSoakResume, soakIdentity, type SoakResume } from './soak-resume.ts';

const MIB = 1024 * 1024;

export async function runSoak(request: JobRequest, options: RunJobOptions): Promise<JobResult> {
  const startedAt = new Date().toISOString();
  const progress = options.onProgress ?? (() => {});
  const { signal } = options;
  progress({ phase: 'prepare', message: `opening ${request.repo}` });
  const { repoDir, baseSha, headSha, config, configSource, configName, cacheDir, jobDir, sandbox } = await openJob(request, options);
  const soak = config.soak;
  const durationMs = request.options?.soakSeconds !== undefined ? request.options.soakSeconds * 1000 : soak.duration;
  if (!(durationMs > 0) || durationMs > MAX_SOAK_MS) {
    throw new UserFacingError(`a soak lasts more than 0 and at most ${formatDuration(MAX_SOAK_MS)}, not ${formatDuration(durationMs)}: ask for e.g. 2h`);
  }
  const scenarios = soak.scenarios ? config.scenarios.filter((s) => soak.scenarios!.includes(s.name)) : config.scenarios;
  // The methodology's warm-up: the longer of the configured one and 10% of the soak.
  const warmupMs = Math.max(soak.warmup, 0.1 * durationMs);
  progress({
    phase: 'prepare',
    message: `config from ${configSource}: soak of ${formatDuration(durationMs)} at ${soak.rate} req/s per side over ${scenarios.map((s) => s.name).join(', ')}`,
  });
  // Refused before anything is installed: a soak too short for the trend test can only end inconclusive.
  const tooShort = soakTooShort(durationMs, soak);
  if (tooShort) throw new UserFacingError(tooShort);
  const { changes, notes } = await lockfileChanges(repoDir, baseSha, headSha, request.prText);

  const sides: PreparedSide[] = [];
  let sidesRuntimes: RuntimeSides | null = null;
  const servers: ServerHandle[] = [];
  const loads: LoadGenerator[] = [];
  let resume: SoakResume | undefined;
  const onAbort = () => void Promise.all(loads.map((l) => l.close()));
  signal?.addEventListener('abort', onAbort);
  // Both servers share the server CPUs and both load generators the load CPU: the same conditions.
  const cpus = cpuPlan(config);
  try {
    const runtimes = await resolveSideRuntimes({
      repoDir, baseSha, headSha, config, baseFlag: request.options?.baseRuntime, headFlag: request.options?.headRuntime, cacheDir, signal, onProgress: progress,
    });
    changes.push(...runtimes.changes);
    notes.push(...runtimes.notes);
    sidesRuntimes = runtimeSides(runtimes.base, runtimes.head);
    sides.push(
      ...(await prepareSides(
        ([['base', baseSha], ['head', headSha]] as const).map(([label, sha]) => ({
          label, repoDir, sha, worktreeDir: path.join(jobDir, label), cacheDir, config, configName, sandbox, cacheScope: request.repo,
          extraEnv: options.childEnv, runtimes: runtimes[label], serverCpus: cpus.server, onProgress: progress, signal,
        })),
      )),
    );
    // One server per side for the whole soak, so its services too, from the state setup left. With hints on,
    // both servers carry the memory hook (docs/hints.md): a heap summary at the end of the warm-up and at the
    // end, and what was allocated in between and is still alive, by allocation site.
    for (const side of sides) await startServicesForSample(side, side.env, config);
    const observeDirs = config.hints ? await Promise.all(sides.map((side) => observeDir(side, path.join(jobDir, 'observe', side.label)))) : [];
    for (const [i, side] of sides.entries()) {
      const extras = config.hints ? observeExtras(side, observeDirs[i], ['memory']) : undefined;
      servers.push(await startSideServer(side, config, `${side.label} server`, cpus.server, extras));
    }
    const enter = await sandbox.networkPrefix();
    for (let i = 0; i < 2; i++) loads.push(await createLoadGenerator({ cpus: cpus.load, enter }));
    signal?.throwIfAborted();

    // Every sample goes to the soak's ledger as it is taken; a ledger of this very soak is resumed from.
    const identity = soakIdentity({
      baseSha, headSha, durationMs, rate: soak.rate, connections: soak.connections, sampleEvery: soak.sampleEvery, warmup: soak.warmup,
      window: soak.window, scenarios: scenarios.map((s) => s.name),
    });
    resume = await openSoakResume({
      ledger: openSoakLedger(options), identity, durationMs, warmupMs, sampleEveryMs: soak.sampleEvery, onProgress: progress,
    });
    const t0 = performance.now() - resume.offsetMs;
    const sideOptions = (i: number) => ({
      server: servers[i], load: loads[i], scenarios, rate: soak.rate, connections: soak.connections,
      durationMs: resume!.endMs, sampleEveryMs: soak.sampleEvery, t0, signal, logIn: () => logInToServer(sides[i], config, loads[i], servers[i]),
      onSample: resume!.onSample(sides[i].label as 'base' | 'head'), onChunk: resume!.onChunk(sides[i].label as 'base' | 'head'),
    });
    const running = [runSoakSide(sideOptions(0)), runSoakSide(sideOptions(1))];
    let memoryStarted = false;
    const memoryStart = observeDirs.length === 0 ? undefined : setTimeout(() => {
      memoryStarted = true;
      for (const dir of observeDirs) void orderHooks(dir, 'mem-start').catch(() => undefined);
    }, warmupMs);
    const ticker = setInterval(() => {
      const minutes = (ms: number) => `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
      const mib = servers.map((s) => (s.exited ? null : Math.round((sampleTree(s.pid).rssAnonBytes / MIB) * 10) / 10));
      const memory = mib.map((m, i) => `${sides[i].label} ${m === null ? 'exited' : `${m.toFixed(1)} MiB`}`).join(', ');
      const elapsed = performance.now() - t0;
      progress({
        phase: 'soak', message: `soak ${minutes(elapsed)} of ${minutes(resume!.endMs)}: ${memory}`, step: Math.round(elapsed / 1000), total: Math.round(resume!.endMs / 1000),
        memoryMiB: { base: mib[0], head: mib[1] },
      });
    }, Math.min(60_000, Math.max(5_000, durationMs / 12)));
    let outcomes;
    try {
      outcomes = await Promise.all(running);
    } finally {
      clearInterval(ticker);
      clearTimeout(memoryStart);
    }
    const heaps = memoryStarted ? await collectHeaps(observeDirs, servers, signal) : null;
    if (config.hints && !memoryStarted) notes.push('No memory hints: the soak ended before its warm-up did.');

    progress({ phase: 'analyse', message: 'testing each side for a memory trend' });
    const shape = { warmupSec: warmupMs / 1000, windowSec: soak.window / 1000 };
    // The samples of every server life of this soak, the current one last; the load over all of them.
    const memory = (['base', 'head'] as const).map((label, i) => resume!.samplesOf(label, outcomes[i].memory));
    const facts = (['base', 'head'] as const).map((label, i) => ({ ...outcomes[i], ...resume!.factsOf(label, outcomes[i]) }));
    const [base, head] = facts.map((f, i) => analyseSoakSide(memory[i], f, shape));
    const difference = analyseSoakDifference(memory[0], memory[1], shape);
    const { verdict } = soakVerdict(base, head, difference);
    const soakResult: SoakResult = {
      base, head, durationSec: durationMs / 1000, rate: soak.rate, warmupSec: shape.warmupSec, windowSec: shape.windowSec,
      scenarios: scenarios.map((s) => s.name), difference, ...(resume.resumes.length ? { resumes: resume.resumes } : {}),
    };
    for (const [i, [label, side]] of ([['base', base], ['head', head]] as const).entries()) {
      if (side.failedRequests > 0) notes.push(`${side.failedRequests} of ${side.requests} requests to ${label} failed during the soak.`);
      if (side.requests < 0.5 * soak.rate * facts[i].loadSec) {
        notes.push(`${label} answered ${side.requests} requests, under half the ${soak.rate} req/s asked for: it could not keep up, so its memory saw less load than planned.`);
      }
    }
    let hints: Hint[] | undefined;
    if (heaps) {
      const names = new PackageNames(changes);
      for (const p of heaps.flat()) if (p.packages) names.addDistributions(p.packages);
      // The load is a fixed rate, so the requests of the measured part are its share of the time.
      const measuredShare = Math.max(0, durationMs - warmupMs) / durationMs;
      const side = (i: number, soakSide: typeof base) => ({ processes: heaps[i], soak: soakSide, requests: outcomes[i].requests * measuredShare });
      hints = rankHints(memoryHints(side(0, base), side(1, head), { names }));
      for (const [i, label] of (['base', 'head'] as const).entries()) {
        if (heaps[i].length === 0) notes.push(`No memory hints from ${label}: no Node or Python process loaded the hook (docs/hints.md).`);
        for (const p of heaps[i]) notes.push(...p.problems.map((why) => `${label} memory hook: ${why}`));
      }
    }
    const result: JobResult = {
      kind: 'soak', verdict, repo: request.repo,
      base: { ref: request.base.ref, sha: baseSha }, head: { ref: request.head.ref, sha: headSha },
      changes, scenarios: [], culprit: null, soak: soakResult, runtimes: sidesRuntimes, notes, ...(hints ? { hints } : {}),
      startedAt, finishedAt: new Date().toISOString(),
    };
    const store = new ResultsStore(options.dbFile ?? path.join(options.dataDir, 'bumpbench.db'));
    const id = store.saveResult(result, { runId: options.runId });
    store.close();
    progress({ phase: 'done', message: `result stored as #${id} in ${store.file}` });
    return result;
  } finally {
    await resume?.close();
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(loads.map((l) => l.close()));
    await Promise.all(servers.map((s) => s.stop()));
    for (const side of sides) await releaseSide(side);
    await removeJobDir(jobDir, sides.map((side) => side.worktree), sandbox);
  }
}
