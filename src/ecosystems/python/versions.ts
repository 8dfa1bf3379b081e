// PEP 440 versions (via @renovatebot/pep440) and PEP 503 names.
import { clean, compare, parse } from '@renovatebot/pep440';
import type { VersionRules } from '../shared/between.ts';

/** PEP 503 normalised project name: lowercase, every run of "-", "_" and "." becomes one "-". */
export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

export const pep440Rules: VersionRules = {
  compare: (a, b) => compare(a, b),
  valid: (v) => parse(v) !== null,
  releaseLine: (v) => {
    const parsed = parse(v);
    if (!parsed) return v;
    // 1.7 and 1.7.0 are the same release (PEP 440 pads with zeros).
    const release = [...parsed.release];
    while (release.length > 1 && release[release.length - 1] === 0) release.pop();
    return `${parsed.epoch}!${release.join('.')}`;
  },
  isPrerelease: (v) => {
    const parsed = parse(v);
    return parsed !== null && (parsed.pre !== null || parsed.dev !== null);
  },
};

/** The canonical spelling of a version ("1.0.0RC1" → "1.0.0rc1"), or null when it is not PEP 440. */
export function canonicalVersion(v: string): string | null {
  return parse(v) === null ? null : clean(v);
}

/** True when two spellings name the same version (1.0 == 1.0.0). */
export function sameVersion(a: string, b: string): boolean {
  return parse(a) !== null && parse(b) !== null && compare(a, b) === 0;
}
