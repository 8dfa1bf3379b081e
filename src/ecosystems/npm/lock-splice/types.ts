// The vocabulary of a lockfile splice: what a candidate asks for, what the registry can tell about a
// release neither lockfile holds, and the answer (files to write).

/** A release's manifest as the registry's packument holds it (the fields a lockfile entry is made of). */
export interface RegistryManifest {
  name?: string;
  version: string;
  dist?: { tarball?: string; integrity?: string; shasum?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  bin?: string | Record<string, string>;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  license?: string;
  scripts?: Record<string, string>;
}

/** What the registry knows, for releases that neither base's nor head's lockfile locks. */
export interface RegistryView {
  /** Every published version of a package. */
  versions(name: string): Promise<string[]>;
  manifest(name: string, version: string): Promise<RegistryManifest>;
}

/** The two sides' files a splice reads: package.json and the lockfile, as text. */
export interface SideFiles {
  manifest: string;
  lockfile: string;
}

export interface SpliceRequest {
  base: SideFiles;
  head: SideFiles;
  /**
   * Package → version to install: head's locked version (or the spec head's lockfile records, for a
   * package that is not a registry release), base's, or a release between them.
   */
  versions: Record<string, string>;
  registry: RegistryView;
}

export interface SpliceResult {
  manifest: string;
  lockfile: string;
  notes: string[];
}

/** This lockfile or this version set cannot be spliced: the caller falls back to the package manager. */
export class SpliceUnsupported extends Error {
  override readonly name = 'SpliceUnsupported';
}
