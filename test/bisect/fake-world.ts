// A simulated project for the search: each state's true effect on the decisive metric is a log factor
// given by the test; every measured run adds log-normal noise (and now and then an outlier), and the
// oracle measures it with the real trio schedule and Hodges-Lehmann intervals, so "unknown gets more
// rounds" happens for the same reasons it does on a real machine.
import { StepBudget, runTrio, shareOf } from '../../src/bisect/index.ts';
import { hodgesLehmannRatio } from '../../src/stats/index.ts';
import type { Oracle, PackageChange, Probe, VersionSet } from '../../src/bisect/index.ts';
import { seededRandom } from '../stats/random.ts';

export interface WorldSpec {
  packages: PackageChange[];
  /** Every release of each package, ascending, including from and to. */
  releases: Record<string, string[]>;
  /** The true log factor of a state (0 = base). Versions not given are at `from`. */
  effect: (at: (name: string) => number, versions: VersionSet) => number;
  /** States that fail to install. */
  installFails?: (versions: VersionSet) => boolean;
  cv?: number;
  outlierRate?: number;
  minRounds?: number;
  maxRounds?: number;
  seed?: number;
}

export interface World {
  oracle: Oracle;
  budget: (max: number) => StepBudget;
  releasesBetween: (pkg: PackageChange) => Promise<string[]>;
  headVersions: VersionSet;
  probes: Probe[];
  /** Rounds measured per probe, in order. */
  rounds: number[];
  wholeRatio: number;
}

/** A log factor applied from release `firstBad` of `name` on. */
export function from(name: string, firstBad: string, releases: Record<string, string[]>, logFactor: number) {
  const index = releases[name].indexOf(firstBad);
  if (index < 0) throw new Error(`${name} has no release ${firstBad}`);
  return (at: (n: string) => number) => (at(name) >= index ? logFactor : 0);
}

export function makeWorld(spec: WorldSpec): World {
  const random = seededRandom(spec.seed ?? 1);
  const cv = spec.cv ?? 0.03;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const run = (log: number) => {
    const outlier = random() < (spec.outlierRate ?? 0.05) ? 0.3 : 0;
    return 100 * Math.exp(log + cv * gauss() + outlier);
  };
  const headVersions: VersionSet = Object.fromEntries(spec.packages.map((p) => [p.name, p.to]));
  const truth = (versions: VersionSet) =>
    spec.effect((name) => {
      const v = versions[name] ?? spec.packages.find((p) => p.name === name)!.from;
      return spec.releases[name].indexOf(v);
    }, versions);
  const wholeRatio = Math.exp(truth(headVersions));
  const probes: Probe[] = [];
  const rounds: number[] = [];
  const minRounds = spec.minRounds ?? 5;
  const maxRounds = spec.maxRounds ?? 10;

  const oracle: Oracle = {
    async probe(versions, label, judge) {
      if (spec.installFails?.(versions)) {
        const p: Probe = { versions, label, position: null, ratio: null, ci: null, pairs: 0, installError: 'no matching distribution' };
        probes.push(p);
        return p;
      }
      const log = { base: 0, candidate: truth(versions), head: truth(headVersions) };
      const outcome = await runTrio({ minRounds, maxRounds, judge, confirmedRatio: wholeRatio, random, measure: async (role) => run(log[role]) });
      rounds.push(outcome.rounds);
      const p: Probe = {
        versions, label, position: outcome.position, ratio: outcome.ratio?.ratio ?? null,
        ci: outcome.ratio ? [outcome.ratio.lo, outcome.ratio.hi] : null, pairs: outcome.rounds,
      };
      probes.push(p);
      return p;
    },
    async recheck(fromVersions, toVersions, label) {
      const pairs = Math.ceil(maxRounds * 1.5);
      const a = Array.from({ length: pairs }, () => run(truth(fromVersions)));
      const b = Array.from({ length: pairs }, () => run(truth(toVersions)));
      const r = hodgesLehmannRatio(a, b, 0.99);
      const p: Probe = { versions: toVersions, label, position: shareOf(r, wholeRatio), ratio: r.ratio, ci: [r.lo, r.hi], pairs };
      probes.push(p);
      return p;
    },
  };
  return {
    oracle,
    budget: (max) => new StepBudget(max),
    releasesBetween: async (pkg) => spec.releases[pkg.name].slice(1, -1),
    headVersions,
    probes,
    rounds,
    wholeRatio,
  };
}
