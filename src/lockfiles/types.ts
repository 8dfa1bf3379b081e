// The one small interface every lockfile format implements (one folder per format, as Renovate's
// lib/modules/manager/<name>/), plus the values they produce.
import type { Ecosystem } from '../model.ts';

/** One resolved package of a lockfile: a registry release, direct or transitive. */
export interface ResolvedPackage {
  ecosystem: Ecosystem;
  /** npm: the real package name (never an alias); PyPI: PEP 503-normalised. */
  name: string;
  version: string;
}

/** Which parser reads a file. `yarn` covers classic (v1) and berry; `npm` covers lockfileVersion 1 to 3. */
export type LockfileKind = 'npm' | 'yarn' | 'pnpm' | 'requirements' | 'poetry' | 'pipenv' | 'uv';

export interface ParseResult {
  packages: ResolvedPackage[];
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
   * Every resolved registry package. Local, workspace, link, file and git entries are left out.
   * `text` has LF line endings (the caller normalises CRLF). Throws LockfileError on a corrupt file.
   */
  parse(text: string, file: string): ParseResult;
}
