// The install that lets yarn or pnpm resolve a state no lockfile holds (a release between the two sides
// for pnpm or yarn berry, or a lockfile that could not be written). The project's configured install is
// what says how its package manager is run (a pinned `node .yarn/releases/yarn-1.22.22.cjs`, `corepack
// pnpm`, a store dir) and with which flags (`--ignore-scripts`): when it turns the lockfile's freeze on
// with a flag, the same command with that flag turned off is the unfrozen install, so none of that is lost.
// Otherwise (no configured install, or one whose freeze is not a flag of its own) the package manager's
// plain unfrozen install runs.

export type UnfrozenManager = 'yarn' | 'yarn-berry' | 'pnpm';

const DEFAULT_UNFROZEN: Record<UnfrozenManager, string> = {
  yarn: 'yarn install --no-frozen-lockfile',
  'yarn-berry': 'yarn install --no-immutable',
  pnpm: 'pnpm install --no-frozen-lockfile',
};

/** The freeze flag of each manager, as a shell word (optionally `=true`), and its negation. */
const FREEZE: Record<UnfrozenManager, { flag: RegExp; off: string }> = {
  yarn: { flag: /(^|\s)--frozen-lockfile(?:=true)?(?=$|[\s;&|)])/g, off: '--no-frozen-lockfile' },
  pnpm: { flag: /(^|\s)--frozen-lockfile(?:=true)?(?=$|[\s;&|)])/g, off: '--no-frozen-lockfile' },
  'yarn-berry': { flag: /(^|\s)--immutable(?:=true)?(?=$|[\s;&|)])/g, off: '--no-immutable' },
};

/**
 * The unfrozen install for `manager`: `configured` with its freeze flag turned off when it has one, else
 * the package manager's own unfrozen install.
 */
export function unfrozenInstall(manager: UnfrozenManager, configured?: string): { command: string; fromConfig: boolean } {
  const { flag, off } = FREEZE[manager];
  if (configured !== undefined && configured.match(flag)) {
    return { command: configured.replace(flag, (_match, lead: string) => `${lead}${off}`), fromConfig: true };
  }
  return { command: DEFAULT_UNFROZEN[manager], fromConfig: false };
}
