// Pipfile.lock (JSON): "_meta" plus one map per package category ("default", "develop", and any custom
// category of newer pipenv), each { name: { version: "==1.2.3", hashes, markers } }.
import { z } from 'zod';
import { LockfileError } from '../errors.ts';
import { normalisePypiName } from '../shared/names.ts';
import { parseJsonText, validateData } from '../shared/parse-data.ts';
import { baseName } from '../shared/path.ts';
import { locateKeyPath } from '../shared/text.ts';
import type { LockfileManager, ParseResult, ResolvedPackage } from '../types.ts';

const WHAT = 'Pipfile.lock';

const entrySchema = z.looseObject({
  version: z.string().optional(),
  path: z.unknown().optional(),
  file: z.unknown().optional(),
  git: z.unknown().optional(),
  editable: z.unknown().optional(),
});

const lockSchema = z
  .object({ _meta: z.looseObject({}, { error: 'missing "_meta" object' }) })
  .catchall(z.record(z.string(), entrySchema));

export const pipenvManager: LockfileManager = {
  kind: 'pipenv',
  ecosystem: 'pypi',
  matchesPath: (path) => baseName(path) === 'Pipfile.lock',
  sniff: (text) => /^\s*\{/.test(text) && /"_meta"\s*:/.test(text.slice(0, 2000)) && /"pipfile-spec"|"default"/.test(text),
  parse(text, file): ParseResult {
    const data = parseJsonText(text, file, WHAT);
    const lock = validateData(lockSchema, data, file, WHAT, (path) => locateKeyPath(text, path));
    const packages: ResolvedPackage[] = [];
    for (const [category, section] of Object.entries(lock)) {
      if (category === '_meta') continue;
      for (const [name, entry] of Object.entries(section as Record<string, z.infer<typeof entrySchema>>)) {
        // git, path, file and editable entries have no registry version to pin.
        if (entry.path !== undefined || entry.file !== undefined || entry.git !== undefined || entry.editable !== undefined) continue;
        if (entry.version === undefined) continue;
        const pin = /^===?\s*(\S+)$/.exec(entry.version.trim());
        if (!pin) {
          throw new LockfileError(`version "${entry.version}" is not an exact pin (==)`, {
            file,
            key: `${category}.${name}.version`,
            line: locateKeyPath(text, [category, name, 'version']),
          });
        }
        packages.push({ ecosystem: 'pypi', name: normalisePypiName(name), version: pin[1] });
      }
    }
    return { packages, notes: [] };
  },
};
