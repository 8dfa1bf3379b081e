// The vocabulary of the search, free of any measuring: a version set applied onto base, where a
// measured state sits between base and head (its "position"), and what one probe found.

/** Package name → version, applied onto the base commit (every other package stays as base has it). */
export type VersionSet = Record<string, string>;

/**
 * Where a state sits on the decisive metric, on a log scale: 0 = like base, 1 = like head. Its share of
 * the whole slowdown. `lo`/`hi` bound it at the step's confidence (±Infinity while too few rounds).
 */
export interface Position {
  estimate: number;
  lo: number;
  hi: number;
}

/** The answer a decision rule gives for one probe. */
export type Decision = 'good' | 'bad' | 'split' | 'unknown';

export type ProbeVerdict = 'like-base' | 'like-head' | 'partial' | 'unknown' | 'install-failed';

/** One measured (or failed) state. */
export interface Probe {
  versions: VersionSet;
  label: string;
  /** Which part of the search measured it (set by the search, not the oracle). */
  kind?: 'package' | 'release' | 'recheck';
  /** null when the state could not be installed. */
  position: Position | null;
  /** The state against base on the decisive metric (Hodges-Lehmann), when measured. */
  ratio: number | null;
  ci: [number, number] | null;
  /** Rounds (or pairs, for a re-check) measured. */
  pairs: number;
  /** Why the state could not be installed or built. */
  installError?: string;
}

/** Judges a position: asked after each batch of rounds; 'unknown' asks for more rounds. */
export type Judge = (position: Position) => Decision;

/** What the search needs from the measuring engine. */
export interface Oracle {
  /**
   * Measures base + `versions` against base and head, adding rounds while `judge` says unknown (up to the
   * oracle's maximum). Never throws for a state that does not install: returns position null instead.
   */
  probe(versions: VersionSet, label: string, judge: Judge): Promise<Probe>;
  /**
   * Measures base + `from` against base + `to` directly, with more pairs than a probe: the effect of one
   * step, as a share of the whole slowdown (position of `to` minus position of `from`).
   */
  recheck(from: VersionSet, to: VersionSet, label: string): Promise<Probe>;
}

/** A changed package the search may apply: both ends known. */
export interface PackageChange {
  name: string;
  from: string;
  to: string;
  /**
   * Not a registry release (a file tarball or folder, git, a URL): there is no release list between the
   * ends, so its release search is the one step from `from` to `to`.
   */
  noReleases?: boolean;
}
