// Who may make bumpbench run a pull request's code: people with write, maintain or admin access.
import { httpStatus, type Octokit, type RepoRef } from './octokit.ts';

export type Access = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export async function accessOf(octokit: Octokit, where: RepoRef, username: string): Promise<Access> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...where, username });
    // `permission` folds maintain into write and triage into read; `role_name` keeps them apart.
    const role = (data as { role_name?: string }).role_name;
    if (role === 'maintain' || role === 'triage') return role;
    return (['admin', 'write', 'read'] as const).find((p) => p === data.permission) ?? 'none';
  } catch (err) {
    // 404: not a collaborator at all.
    if (httpStatus(err) === 404) return 'none';
    throw err;
  }
}

export function mayRunCode(access: Access): boolean {
  return access === 'admin' || access === 'maintain' || access === 'write';
}
