// The unfrozen install a bisect state needs when yarn or pnpm must resolve it: the configured install
// with its freeze flag off, so the way it runs the package manager and its other flags are kept.
import { describe, expect, it } from 'vitest';
import { unfrozenInstall } from '../../src/ecosystems/npm/unfrozen-install.ts';

describe('unfrozenInstall', () => {
  it('turns the configured frozen install of pnpm and yarn 1 into its unfrozen twin, other flags and the way it is run kept', () => {
    expect(unfrozenInstall('pnpm', 'node ./.tools/pnpm/bin/pnpm.cjs install --frozen-lockfile --ignore-scripts')).toEqual({
      command: 'node ./.tools/pnpm/bin/pnpm.cjs install --no-frozen-lockfile --ignore-scripts', fromConfig: true,
    });
    expect(unfrozenInstall('yarn', 'corepack enable && yarn install --frozen-lockfile=true && yarn build:deps').command)
      .toBe('corepack enable && yarn install --no-frozen-lockfile && yarn build:deps');
    expect(unfrozenInstall('yarn', 'yarn --ignore-scripts --frozen-lockfile').command).toBe('yarn --ignore-scripts --no-frozen-lockfile');
  });

  it('turns yarn berry\'s --immutable off, and leaves --immutable-cache alone', () => {
    expect(unfrozenInstall('yarn-berry', 'yarn install --immutable --immutable-cache')).toEqual({ command: 'yarn install --no-immutable --immutable-cache', fromConfig: true });
  });

  it('falls back to the package manager\'s own unfrozen install when no freeze flag is configured', () => {
    expect(unfrozenInstall('pnpm')).toEqual({ command: 'pnpm install --no-frozen-lockfile', fromConfig: false });
    expect(unfrozenInstall('pnpm', 'pnpm install --prefer-offline').command).toBe('pnpm install --no-frozen-lockfile');
    expect(unfrozenInstall('yarn', 'yarn install --frozen-lockfile=false').command).toBe('yarn install --no-frozen-lockfile');
    expect(unfrozenInstall('yarn', 'yarn install --frozen-lockfiles').command).toBe('yarn install --no-frozen-lockfile');
    expect(unfrozenInstall('yarn-berry', 'yarn install --immutable-cache').command).toBe('yarn install --no-immutable');
    // A yarn 1 flag says nothing to pnpm's configured command, and the other way round.
    expect(unfrozenInstall('yarn-berry', 'yarn install --frozen-lockfile').fromConfig).toBe(false);
  });
});
