// The one small interface each package ecosystem implements (npm/, python/), as the lockfile managers do:
// list the releases between two versions, find the links a report can point to, and pin a version set
// into a worktree. Adding Cargo later is a new folder and one line in index.ts.
import type { Ecosystem } from '../model.ts';

/** One published release of a package. */
export interface Release {
  version: string;
  /** A prerelease (semver `-beta.1`, PEP 440 `a1`/`b1`/`rc1`/`.dev1`). */
  prerelease: boolean;
  /** Yanked (PEP 592): pip skips it unless pinned with ==. */
  yanked?: boolean;
  /** The reason given for the yank, when the index says. */
  yankedReason?: string;
  /** npm `deprecated` message. */
  deprecated?: string;
  /** When the registry says it was published. Informational only: never used for ordering. */
  publishedAt?: string;
  /** PEP 345 Requires-Python of the release's files, when the index says. */
  requiresPython?: string;
}

export interface PackageLinks {
  /** Web URL of the source repository, e.g. https://github.com/org/name. */
  repository?: string;
  changelog?: string;
  /** The repository's compare view between two releases (GitHub: tags `v<from>...v<to>`). */
  compare?: (from: string, to: string) => string;
}

/** Where and how an ecosystem works for one project. */
export interface EcosystemContext {
  /** The directory holding the manifest (package.json / requirements.txt): config files are read here. */
  projectDir: string;
  /**
   * The environment of the project's install (never process.env implicitly): registry settings such as
   * `PIP_INDEX_URL`, `npm_config_registry`, `${TOKEN}` references in .npmrc, and for child processes.
   */
  env?: Record<string, string>;
  /** The repository root, when it differs from projectDir (a pip.conf or .npmrc may live there). */
  repoRoot?: string;
  signal?: AbortSignal;
  /** Per HTTP request to a registry. Default 30 s. */
  timeoutMs?: number;
  /**
   * Runs a package manager in the project (pinning regenerates a lockfile): in the job's sandbox, since the
   * project's own config files steer it. Default: a plain child process with `env`.
   */
  run?: (command: string, args: string[], cwd: string, env: Record<string, string>) => Promise<{ code: number | null; output: string }>;
  /**
   * Head's version of a file of the project (path relative to projectDir), null when head has none. Pinning
   * takes head's locked entries from it, so a candidate's lockfile matches what head locked.
   */
  headFile?: (relativePath: string) => Promise<string | null>;
  /**
   * The project's configured install command (`install:`), when it has one. When pinning needs an
   * unfrozen install instead (`PinResult.installCommand`), it is this command with its freeze flag turned
   * off where it has one, so how the package manager is run and its other flags stay.
   */
  install?: string;
}

export interface PinResult {
  /** The versions pinned, by the names given. */
  versions: Record<string, string>;
  /** Files written or edited, relative to projectDir, in a stable order. */
  changedFiles: string[];
  /**
   * A stable string naming everything pin changed (files and their new content hashes): add it to an
   * install cache key so a pinned tree never reuses the install of another.
   */
  cacheKey: string;
  /** Environment the install must run with for the pin to hold (e.g. PIP_CONSTRAINT). */
  env: Record<string, string>;
  /**
   * When the project's default install would refuse the edited tree (a release no lockfile locks, which
   * the package manager must resolve itself), the install command to use instead. Absent when the
   * lockfile was written for the state (the project's own frozen install, or its `install:`, runs).
   */
  installCommand?: string;
  /** How the state got into the lockfile: spliced from head's entries, or resolved by the package manager. */
  lockfile?: 'spliced' | 'resolved' | 'none';
  /** Things a user may want to know, e.g. "yarn.lock was not regenerated". */
  notes: string[];
}

export interface EcosystemModule {
  readonly id: Ecosystem;
  /**
   * Every release strictly between `from` and `to` (either order), ascending by the ecosystem's version
   * rules. Prereleases are left out unless an endpoint is a prerelease of the same release line;
   * yanked and deprecated releases are left out.
   */
  listReleasesBetween(name: string, from: string, to: string, ctx: EcosystemContext): Promise<Release[]>;
  /** Every release the registry knows, ascending, nothing filtered. */
  listReleases(name: string, ctx: EcosystemContext): Promise<Release[]>;
  packageLinks(name: string, ctx: EcosystemContext): Promise<PackageLinks>;
  /** Sorts versions ascending by the ecosystem's rules; invalid versions last. */
  compareVersions(a: string, b: string): number;
  /**
   * Edits the tree at projectDir so that `versions` are installed and everything else stays as it was.
   * Throws PinInstallError when a version cannot be installed (not published, does not resolve).
   */
  pin(projectDir: string, versions: Record<string, string>, ctx: Omit<EcosystemContext, 'projectDir'>): Promise<PinResult>;
}

/**
 * A release could not be installed: it is not published, its lockfile could not be resolved, or its
 * install failed. A bisect skips such a release and reports it; it is neither good nor bad.
 */
export class PinInstallError extends Error {
  override readonly name = 'PinInstallError';
  constructor(
    message: string,
    readonly ecosystem: Ecosystem,
    /** The packages and versions that were being pinned. */
    readonly versions: Record<string, string>,
    /** The last lines of the failing command's output, when a command failed. */
    readonly outputTail = '',
  ) {
    super(message);
  }
}

/** The registry could not be asked (unreachable, HTTP error, unknown package). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The project uses a layout pin cannot edit (e.g. poetry.lock): the message says what to do. */
export class PinUnsupportedError extends Error {
  override readonly name = 'PinUnsupportedError';
}
