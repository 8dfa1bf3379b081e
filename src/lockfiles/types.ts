// The one small interface every lockfile format implements (one folder per format, as Renovate's
// lib/modules/manager/<name>/), plus the values they produce.
import type { Ecosystem, PackageSource } from '../model.ts';

export type { PackageSource, SourceKind } from '../model.ts';

/** One resolved package of a lockfile, direct or transitive: a registry release, or one with a `source`. */
export interface ResolvedPackage {
  ecosystem: Ecosystem;
  /** npm: the real package name (never an alias); PyPI: PEP 503-normalised. */
  name: string;
  /**
   * The version the lockfile records. Where it records none for a non-registry package (package-lock v1,
   * requirements direct references), the git commit, or else the spec: what identifies that side.
   */
  version: string;
  /** Set when it is not a registry release: a file tarball or folder, a git checkout, a URL. */
  source?: PackageSource;
  /**
   * package-lock: the install path ("node_modules/a/node_modules/semver"). Copies are compared path by path:
   * the top-level copy with the top-level copy, each nested copy with its own.
   */
  location?: string;
  /**
   * Formats without install paths: what selected this entry. yarn: its descriptors ("semver@^6.0.0");
   * pnpm: the packages and projects that depend on it ("make-dir", "importer ."). A changed entry is paired
   * with the entry of the other side that shares one of these.
   */
  selectedBy?: string[];
  /**
   * Whether only development needs it, where the lockfile says so (npm's `dev: true`, pnpm's `dev`, Poetry's
   * category or groups, Pipfile.lock's `develop`, a requirements file named for dev or test). Undefined where
   * the lockfile does not tell; the manifest and the dependency graph may (dependency-scope.ts).
   */
  dev?: boolean;
  /** Whether the project lists it itself (set by dependency-scope.ts; pnpm's importers say so directly). */
  direct?: boolean;
  /** The names it depends on, where the lockfile records them: the graph that tells dev from runtime. */
  requires?: string[];
}

/** The project's own dependencies by name: what it needs to run, and what it needs only to develop. */
export interface DependencyRoots {
  runtime: string[];
  dev: string[];
}

/** Which parser reads a file. `yarn` covers classic (v1) and berry; `npm` covers lockfileVersion 1 to 3. */
export type LockfileKind = 'npm' | 'yarn' | 'pnpm' | 'requirements' | 'poetry' | 'pipenv' | 'uv';

export interface ParseResult {
  packages: ResolvedPackage[];
  /** The project's direct dependencies where the lockfile records them (package-lock's root, pnpm importers, uv's project). */
  roots?: DependencyRoots;
  /** Things a user may want to know that are not errors, e.g. "-r base.txt was not followed". */
  notes: string[];
}

export interface LockfileManager {
  readonly kind: LockfileKind;
  readonly ecosystem: Ecosystem;
  /** True when the file name alone says the file is this format. */
  matchesPath(path: string): boolean;
  /** True when the content looks like this format; used when the name says nothing. Must be cheap. */
  sniff(text: string): boolean;
  /**
   * Every resolved package: registry releases, and file, folder, git and URL packages with their `source`.
   * The project itself, workspace members and links are left out (they are the code under test, not
   * dependencies). `text` has LF line endings (the caller normalises CRLF). Throws LockfileError on a
   * corrupt file.
   */
  parse(text: string, file: string): ParseResult;
}
