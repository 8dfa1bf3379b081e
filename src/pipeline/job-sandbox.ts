// Which sandbox a job's commands run in (src/sandbox/): required by the App and its runners, preferred by
// the CLI (which warns once and runs plainly where bubblewrap cannot work), or off when asked.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RepoConfig } from '../config/schema.ts';
import type { ProgressFn } from '../model.ts';
import { Sandbox, limitsFromEnv } from '../sandbox/sandbox.ts';
import { sandboxSupport } from '../sandbox/support.ts';

export type SandboxRequirement = 'required' | 'preferred' | 'off';

/** The sandbox is required and this machine cannot provide it: the operator's to fix, not the user's. */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError';
}

/** Hosts the operator lets every job's installs reach (BUMPBENCH_ALLOW_HOSTS, comma-separated). */
export function operatorAllowHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BUMPBENCH_ALLOW_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}

/**
 * What git inside the sandbox needs of the repository to answer `git rev-parse HEAD` or `git describe` in
 * a worktree: objects, refs and the worktrees' own metadata. Not `config` (a local clone's remote URL may
 * carry credentials) and not `hooks`.
 */
async function gitMetadata(repoDir: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('git', ['-C', repoDir, 'rev-parse', '--git-common-dir'], { timeout: 30_000 });
  const common = path.resolve(repoDir, stdout.trim());
  return ['objects', 'refs', 'packed-refs', 'HEAD', 'worktrees'].map((entry) => path.join(common, entry));
}

let warned = false;

export async function openJobSandbox(opts: {
  jobDir: string;
  repoDir: string;
  config: RepoConfig;
  requirement: SandboxRequirement;
  /** Hosts the caller (CLI flag, demo) lets installs reach, besides the config's and the operator's. */
  allowHosts?: readonly string[];
  onProgress?: ProgressFn;
}): Promise<Sandbox> {
  let enabled = opts.requirement !== 'off';
  if (enabled) {
    const support = sandboxSupport();
    if (!support.ok) {
      if (opts.requirement === 'required') {
        throw new SandboxUnavailableError(`the sandbox for code under test does not work on this machine: ${support.reason}`);
      }
      if (!warned) {
        opts.onProgress?.({ phase: 'prepare', message: `warning: running the repo's commands WITHOUT a sandbox: ${support.reason}` });
        warned = true;
      }
      enabled = false;
    }
  }
  return new Sandbox({
    enabled,
    scratchDir: path.join(opts.jobDir, 'sandbox'),
    network: opts.config.network,
    allowHosts: [...opts.config.allowHosts, ...operatorAllowHosts(), ...(opts.allowHosts ?? [])],
    // git metadata for builds that ask `git rev-parse HEAD`; read-only, so hooks and config stay as they are.
    readOnly: enabled ? await gitMetadata(opts.repoDir) : [],
    limits: limitsFromEnv(),
  });
}
