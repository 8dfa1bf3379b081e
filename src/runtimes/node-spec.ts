// What a Node version as people write it (.nvmrc, .node-version, engines, volta, a Docker tag) means as a
// semver range over released versions, and which release satisfies it.
import semver from 'semver';

/**
 * LTS code names as nvm reads them (`lts/iron`). A new LTS line gets a row here; `lts/*` means the newest
 * row, because the registry's binary packages say nothing about which lines are LTS.
 */
const LTS_CODENAMES: Record<string, number> = {
  argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24,
};

/** The semver range a Node spec stands for, "*" for the newest release, or null when it names no version. */
export function nodeRange(spec: string): string | null {
  const text = spec.trim().toLowerCase();
  if (text === '') return null;
  if (['node', 'stable', 'latest', 'current'].includes(text)) return '*';
  const lts = /^lts(?:\/|-)?(.*)$/.exec(text);
  if (lts) {
    const name = lts[1];
    if (name === '' || name === '*') return `${Math.max(...Object.values(LTS_CODENAMES))}.x`;
    const major = LTS_CODENAMES[name];
    return major === undefined ? null : `${major}.x`;
  }
  // "v20.11.0", "20", "20.11", "20.x", ">=20 <21", "^20.18.1": semver ranges once a leading v is gone.
  const range = text.replace(/(^|\s|[<>=^~])v(?=\d)/g, '$1');
  return semver.validRange(range) ? range : null;
}

/**
 * Whether a spec pins one release line (a single major): "22", "^22.3.0", "22.x", ">=20.6 <21". A range
 * over several majors (">=18") says what the project supports, not what it runs on.
 */
export function pinsOneMajor(range: string): boolean {
  const min = semver.minVersion(range);
  if (!min) return false;
  return !semver.intersects(range, `>=${min.major + 1}.0.0-0`);
}

/** The newest stable release that satisfies the spec, from the versions the registry lists; null when none does. */
export function pickNodeVersion(spec: string, available: readonly string[]): string | null {
  const range = nodeRange(spec);
  if (range === null) return null;
  const stable = available.filter((v) => semver.valid(v) !== null && semver.prerelease(v) === null);
  return semver.maxSatisfying(stable, range);
}

/** The pin a Docker tag of the official node image names ("22-alpine" → "22", "lts-slim" → "lts/*"), or null. */
export function nodeImageTagPin(tag: string | null): string | null {
  if (!tag) return null;
  const version = /^v?(\d+(?:\.\d+){0,2})(?:-|$)/.exec(tag);
  if (version) return version[1];
  if (/^(lts|hydrogen|iron|jod|krypton|gallium|fermium)(-|$)/.test(tag)) {
    const name = tag.split('-')[0];
    return name === 'lts' ? 'lts/*' : `lts/${name}`;
  }
  if (/^current(-|$)/.test(tag)) return 'node';
  return null;
}
