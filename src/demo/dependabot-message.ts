// Commit messages and branch names the way Dependabot writes them for npm, so the demo's bump commit
// looks like the pull requests bumpbench sees in the wild (and exercises message parsing downstream).
import semver from 'semver';

export interface DependencyUpdate {
  name: string;
  from: string;
  to: string;
  /** Web URL of the package's repository, for the links in the message body. */
  repository?: string;
  /** Default "direct:production". */
  dependencyType?: 'direct:production' | 'direct:development' | 'indirect';
}

export const DEPENDABOT_AUTHOR = 'dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>';

/** Dependabot's `update-type`: semver-major, -minor or -patch (a prerelease counts as its base bump). */
export function updateType(from: string, to: string): string {
  const diff = semver.diff(from, to);
  const kind = diff === null ? 'patch' : diff.replace(/^pre(?!release)/, '').replace('prerelease', 'patch');
  return `version-update:semver-${kind}`;
}

function links(update: DependencyUpdate): string[] {
  if (update.repository === undefined) return [];
  return [
    `- [Release notes](${update.repository}/releases)`,
    `- [Changelog](${update.repository}/blob/main/CHANGELOG.md)`,
    `- [Commits](${update.repository}/compare/v${update.from}...v${update.to})`,
  ];
}

function metadata(updates: readonly DependencyUpdate[], group?: string): string {
  const entries = updates.map((u) =>
    [
      `- dependency-name: "${u.name}"`,
      `  dependency-version: ${u.to}`,
      `  dependency-type: ${u.dependencyType ?? 'direct:production'}`,
      `  update-type: ${updateType(u.from, u.to)}`,
      ...(group !== undefined ? [`  dependency-group: ${group}`] : []),
    ].join('\n'),
  );
  return ['---', 'updated-dependencies:', ...entries, '...', '', 'Signed-off-by: dependabot[bot] <support@github.com>'].join('\n');
}

function linkedName(update: DependencyUpdate): string {
  return update.repository === undefined ? update.name : `[${update.name}](${update.repository})`;
}

/** "Bump <name> from <from> to <to>" with Dependabot's body and metadata trailer. */
export function singleUpdateMessage(update: DependencyUpdate): string {
  return [
    `Bump ${update.name} from ${update.from} to ${update.to}`,
    '',
    `Bumps ${linkedName(update)} from ${update.from} to ${update.to}.`,
    ...links(update),
    '',
    metadata([update]),
    '',
  ].join('\n');
}

/** "Bump the <group> group with <n> updates", with the table and per-package sections Dependabot writes. */
export function groupedUpdateMessage(group: string, updates: readonly DependencyUpdate[]): string {
  const table = [
    '| Package | From | To |',
    '| --- | --- | --- |',
    ...updates.map((u) => `| ${linkedName(u)} | \`${u.from}\` | \`${u.to}\` |`),
  ];
  const sections = updates.flatMap((u) => ['', `Updates \`${u.name}\` from ${u.from} to ${u.to}`, ...links(u)]);
  return [
    `Bump the ${group} group with ${updates.length} update${updates.length === 1 ? '' : 's'}`,
    '',
    `Bumps the ${group} group with ${updates.length} update${updates.length === 1 ? '' : 's'}:`,
    '',
    ...table,
    ...sections,
    '',
    metadata(updates, group),
    '',
  ].join('\n');
}

/** Dependabot's branch names: dependabot/npm_and_yarn/<name>-<version>, or <group>-<hash> for a group. */
export function dependabotBranch(updates: readonly DependencyUpdate[], group?: string): string {
  if (group !== undefined) {
    // Dependabot appends a short hash of the update set; any stable digest of it serves the same purpose.
    let hash = 0;
    for (const char of updates.map((u) => `${u.name}@${u.to}`).join(',')) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return `dependabot/npm_and_yarn/${group}-${hash.toString(16).padStart(8, '0')}`;
  }
  const [update] = updates;
  if (update === undefined || updates.length !== 1) throw new Error('a single-update branch needs exactly one update');
  return `dependabot/npm_and_yarn/${update.name.replace(/^@/, '')}-${update.to}`;
}
