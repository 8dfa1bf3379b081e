// One bumpbench comment per PR, found again by a hidden marker and edited in place, so a PR with ten
// pushes still has one comment saying where it stands.
import { STICKY_MARKER } from './messages.ts';
import type { Octokit, RepoRef } from './octokit.ts';

const COMMENT_LIMIT = 65_536;

export function stickyBody(markdown: string): string {
  const body = `${STICKY_MARKER}\n${markdown}`;
  if (body.length < COMMENT_LIMIT) return body;
  return `${body.slice(0, COMMENT_LIMIT - 200)}\n\n… (truncated to fit GitHub's comment limit)`;
}

/** The id of our sticky comment, looking through every page of comments. Only a bot's comment counts. */
export async function findStickyComment(octokit: Octokit, where: RepoRef, pr: number): Promise<number | null> {
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, { ...where, issue_number: pr, per_page: 100 })) {
    const mine = page.data.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(STICKY_MARKER));
    if (mine) return mine.id;
  }
  return null;
}

export async function upsertStickyComment(
  octokit: Octokit,
  where: RepoRef,
  pr: number,
  markdown: string,
): Promise<{ id: number; action: 'created' | 'updated' }> {
  const body = stickyBody(markdown);
  const existing = await findStickyComment(octokit, where, pr);
  if (existing !== null) {
    await octokit.rest.issues.updateComment({ ...where, comment_id: existing, body });
    return { id: existing, action: 'updated' };
  }
  const { data } = await octokit.rest.issues.createComment({ ...where, issue_number: pr, body });
  return { id: data.id, action: 'created' };
}
