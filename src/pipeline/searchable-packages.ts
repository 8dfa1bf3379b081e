// Which changes a bisect searches: those with both sides (an added or removed package follows the ones
// that need it), one per package name (a pin sets every copy of a package: the top-level copy's change is
// the one the project itself requires), optionally only the one the user named. A non-registry change
// becomes one step with no release list, pinned by its spec.
import type { PackageChange } from '../bisect/index.ts';
import { isTopLevel } from '../lockfiles/index.ts';
import type { Change, Ecosystem } from '../model.ts';
import { UserFacingError } from './errors.ts';
import { searchableChange, type SourceSpecs } from './source-pins.ts';

/**
 * The changes a search can apply: both versions known, in an ecosystem we can pin, optionally one package.
 * A non-registry change (file, folder, git, URL) is one step with no release list, pinned by its spec.
 */
export function searchablePackages(
  changes: Change[], only: string | undefined, notes: string[],
  /** Parts that are not packages (a runtime change, pipeline/runtime-parts.ts), searched like one. */
  extraParts: PackageChange[] = [],
): { packages: PackageChange[]; ecosystemOf: Map<string, Ecosystem>; sourceSpecs: SourceSpecs } {
  const ecosystemOf = new Map<string, Ecosystem>();
  const sourceSpecs: SourceSpecs = new Map();
  const packages: PackageChange[] = [];
  // A runtime change is searched as one part from the runtimes each side resolved to (pipeline/runtime-parts.ts).
  const packageChanges = changes.filter((c): c is Change & { ecosystem: Ecosystem } => c.ecosystem !== 'runtime');
  const updates = packageChanges.filter((c): c is Change & { ecosystem: Ecosystem; from: string; to: string } => {
    if (c.from && c.to) return true;
    notes.push(`${c.name} was ${c.from ? 'removed' : 'added'}: it follows the packages that need it and is not searched on its own.`);
    return false;
  });
  // One change per name is searched (a pin sets every copy of a package): the top-level copy's, when
  // nested copies changed too, since that is the one the project itself requires.
  const topLevelFirst = [...updates].sort((a, b) => Number(isTopLevelChange(b)) - Number(isTopLevelChange(a)));
  for (const c of topLevelFirst) {
    const searched = packages.find((p) => p.name === c.name);
    if (searched) {
      if (searched.from !== c.from || searched.to !== c.to) {
        const where = c.locations?.[0] ?? c.lockfile ?? 'elsewhere';
        notes.push(
          `${c.name} ${c.from} → ${c.to} (${where}${(c.locations?.length ?? 0) > 1 ? ` and ${c.locations!.length - 1} more` : ''}) is not searched on its own: a candidate pins one version of ${c.name}, searched ${searched.from} → ${searched.to}.`,
        );
      }
      continue;
    }
    const { pkg, specs } = searchableChange(c);
    packages.push(pkg);
    ecosystemOf.set(c.name, c.ecosystem);
    if (specs) sourceSpecs.set(c.name, specs);
  }
  packages.push(...extraParts);
  if (only !== undefined) {
    const chosen = packages.filter((p) => p.name === only);
    if (chosen.length === 0) {
      throw new UserFacingError(
        `--package ${only}: not among the packages this change updates (${packages.map((p) => p.name).join(', ') || 'none'}). Give one of those, or leave --package out.`,
      );
    }
    return { packages: chosen, ecosystemOf, sourceSpecs };
  }
  return { packages, ecosystemOf, sourceSpecs };
}

function isTopLevelChange(change: Change): boolean {
  return change.locations === undefined || change.locations.some(isTopLevel);
}
