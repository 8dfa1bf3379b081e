// The example npm libraries of examples/npm-packages/: each folder holds source files and a releases.json
// listing the releases (version, one-line notes, which source file ships under which name). Releases are
// cumulative: a release lists only the files and package.json fields it changes. This module reads those
// folders and builds each release's manifest and tarball in memory; npm-registry.ts publishes them.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { createTarGz, tarballHashes } from './tarball.ts';
import { examplePackagesDir } from './example-paths.ts';

export const EXAMPLE_SCOPE = '@bumpbench-examples';
export const TEXTKIT = `${EXAMPLE_SCOPE}/textkit`;
/** The textkit releases around the slowdown: slugify costs ≈3× more CPU per call from 1.6.0 on. */
export const TEXTKIT_REGRESSION = { lastGood: '1.5.0', firstBad: '1.6.0' } as const;
/** Where the fake GitHub organisation of the examples lives (reports link compare views there). */
export const EXAMPLE_GITHUB_ORG = 'https://github.com/bumpbench-examples';

const semverText = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semver version, e.g. 1.2.0');
const fileMap = z.record(z.string().regex(/^[\w.-]+$/, 'a plain file name'), z.string().min(1));

const releaseSchema = z.strictObject({
  version: semverText,
  notes: z.string().min(1),
  /** Dist-tag to publish under; "latest" when absent. */
  tag: z.string().min(1).optional(),
  /** Deprecation message; the release is published deprecated. */
  deprecated: z.string().min(1).optional(),
  files: fileMap.optional(),
  packageJson: z.record(z.string(), z.unknown()).optional(),
});

const releasesFileSchema = z.strictObject({
  name: z.string().startsWith(`${EXAMPLE_SCOPE}/`),
  description: z.string().min(1),
  keywords: z.array(z.string()).optional(),
  files: fileMap,
  releases: z.array(releaseSchema).min(1),
});

export type ExampleRelease = z.output<typeof releaseSchema>;

export interface ExamplePackage {
  /** Full name, e.g. "@bumpbench-examples/textkit". */
  name: string;
  /** The folder holding releases.json and the sources. */
  dir: string;
  description: string;
  /** Web URL of the (fake) repository, e.g. https://github.com/bumpbench-examples/textkit. */
  repository: string;
  keywords: string[];
  baseFiles: Record<string, string>;
  /** In publishing order. */
  releases: ExampleRelease[];
}

export interface BuiltRelease {
  name: string;
  version: string;
  /** Dist-tag it is published under. */
  tag: string;
  deprecated?: string;
  /** The package.json inside the tarball. */
  manifest: Record<string, unknown>;
  tarball: Buffer;
  /** e.g. "textkit-1.6.0.tgz" (npm's naming: the name without scope). */
  tarballName: string;
  shasum: string;
  integrity: string;
}

function shortName(name: string): string {
  return name.slice(name.indexOf('/') + 1);
}

/** Reads every `examples/npm-packages/<folder>/releases.json`, sorted by package name. */
export async function loadExamplePackages(dir: string = examplePackagesDir()): Promise<ExamplePackage[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const packages: ExamplePackage[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const folder = join(dir, entry.name);
    const file = join(folder, 'releases.json');
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    const parsed = releasesFileSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
      throw new Error(`${file} is invalid:\n  ${problems.join('\n  ')}`);
    }
    const data = parsed.data;
    const versions = new Set<string>();
    for (const release of data.releases) {
      if (versions.has(release.version)) throw new Error(`${file}: version ${release.version} is listed twice`);
      versions.add(release.version);
    }
    packages.push({
      name: data.name,
      dir: folder,
      description: data.description,
      repository: `${EXAMPLE_GITHUB_ORG}/${shortName(data.name)}`,
      keywords: data.keywords ?? [],
      baseFiles: data.files,
      releases: data.releases,
    });
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}

/** The version the `latest` dist-tag ends on: the last release published without another tag. */
export function latestVersion(pkg: ExamplePackage): string {
  const stable = pkg.releases.filter((r) => r.tag === undefined || r.tag === 'latest');
  const last = stable[stable.length - 1];
  if (last === undefined) throw new Error(`${pkg.name} has no release on the latest tag`);
  return last.version;
}

function changelog(pkg: ExamplePackage, upTo: number): string {
  const lines = pkg.releases
    .slice(0, upTo + 1)
    .reverse()
    .map((r) => `- **${r.version}**${r.deprecated ? ' (deprecated)' : ''}: ${r.notes}`);
  return `# Changelog\n\n${lines.join('\n')}\n`;
}

/** The manifest and tarball of one release: files and package.json fields accumulated up to it. */
export async function buildRelease(pkg: ExamplePackage, version: string): Promise<BuiltRelease> {
  const index = pkg.releases.findIndex((r) => r.version === version);
  if (index === -1) throw new Error(`${pkg.name} has no release ${version} in ${pkg.dir}/releases.json`);
  const release = pkg.releases[index];

  const files: Record<string, string> = { ...pkg.baseFiles };
  let extraFields: Record<string, unknown> = {};
  for (const r of pkg.releases.slice(0, index + 1)) {
    Object.assign(files, r.files ?? {});
    extraFields = { ...extraFields, ...(r.packageJson ?? {}) };
  }

  const manifest: Record<string, unknown> = {
    name: pkg.name,
    version,
    description: pkg.description,
    keywords: pkg.keywords,
    license: 'MIT',
    main: 'index.js',
    homepage: `${pkg.repository}#readme`,
    bugs: { url: `${pkg.repository}/issues` },
    // The form npm itself writes when normalising a GitHub URL.
    repository: { type: 'git', url: `git+${pkg.repository}.git` },
    ...extraFields,
  };

  const entries = [{ path: 'package/package.json', content: `${JSON.stringify(manifest, null, 2)}\n` }];
  entries.push({ path: 'package/CHANGELOG.md', content: changelog(pkg, index) });
  entries.push({
    path: 'package/README.md',
    content: `# ${pkg.name}\n\n${pkg.description}\n\nSource: ${pkg.repository}\n\nSee CHANGELOG.md for what changed in each release.\n`,
  });
  for (const [target, source] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const text = await readFile(join(pkg.dir, source), 'utf8');
    entries.push({ path: `package/${target}`, content: text.replaceAll('__VERSION__', version) });
  }

  const tarball = createTarGz(entries);
  return {
    name: pkg.name,
    version,
    tag: release.tag ?? 'latest',
    ...(release.deprecated !== undefined ? { deprecated: release.deprecated } : {}),
    manifest,
    tarball,
    tarballName: `${shortName(pkg.name)}-${version}.tgz`,
    ...tarballHashes(tarball),
  };
}
