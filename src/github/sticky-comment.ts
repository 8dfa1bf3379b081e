// One bumpbench comment per PR, found again by a hidden marker and edited in place, so a PR with ten
// pushes still has one comment saying where it stands. Inside it, one section per job kind (compare,
// bisect, soak), each between its own hidden markers: a job replaces its own section and leaves the
// others as they were, so a soak or a bisect never wipes the compare's report.
import type { JobKind } from '../jobs/queue.ts';
import { STICKY_MARKER } from './messages.ts';
import type { Octokit, RepoRef } from './octokit.ts';

const COMMENT_LIMIT = 65_536;
const KINDS: readonly JobKind[] = ['compare', 'bisect', 'soak'];
const TRUNCATED = "\n\n… (truncated to fit GitHub's comment limit; the check run has the full report)";

const sectionStart = (kind: JobKind) => `<!-- bumpbench:section:${kind} -->`;
const sectionEnd = (kind: JobKind) => `<!-- bumpbench:end:${kind} -->`;

/**
 * A report may quote text from the pull request (bump hints in the notes); a marker written there must not
 * end or forge a section.
 */
function defuseMarkers(text: string): string {
  return text.replaceAll('<!-- bumpbench:', '&lt;!-- bumpbench:');
}

export type StickySections = Partial<Record<JobKind, string>>;

/**
 * The sections of a sticky comment's body. A body written before sections existed holds one report of
 * unknown kind; it is kept as the compare's until a compare replaces it.
 */
export function parseStickySections(body: string): StickySections {
  const sections: StickySections = {};
  let found = false;
  for (const kind of KINDS) {
    const start = body.indexOf(sectionStart(kind));
    const end = body.indexOf(sectionEnd(kind));
    if (start === -1 || end === -1 || end < start) continue;
    sections[kind] = body.slice(start + sectionStart(kind).length, end).trim();
    found = true;
  }
  if (!found) {
    const legacy = body.replace(STICKY_MARKER, '').trim();
    if (legacy) sections.compare = legacy;
  }
  return sections;
}

/** The comment body: the marker, then the sections in a fixed order, cut longest-first to fit the limit. */
export function stickyBody(sections: StickySections): string {
  const present = KINDS.filter((k) => sections[k] !== undefined);
  const texts = new Map(present.map((k) => [k, defuseMarkers(sections[k]!)]));
  const render = () => `${STICKY_MARKER}\n${present.map((k) => `${sectionStart(k)}\n${texts.get(k)}\n${sectionEnd(k)}`).join('\n\n---\n\n')}`;
  let body = render();
  while (body.length >= COMMENT_LIMIT) {
    const [longest] = [...texts.entries()].sort((a, b) => b[1].length - a[1].length);
    const excess = body.length - COMMENT_LIMIT + 1;
    texts.set(longest[0], longest[1].slice(0, Math.max(0, longest[1].length - excess - TRUNCATED.length)) + TRUNCATED);
    body = render();
  }
  return body;
}

/** Our sticky comment, looking through every page of comments. Only a bot's comment counts. */
export async function findStickyComment(octokit: Octokit, where: RepoRef, pr: number): Promise<{ id: number; body: string } | null> {
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, { ...where, issue_number: pr, per_page: 100 })) {
    const mine = page.data.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(STICKY_MARKER));
    if (mine) return { id: mine.id, body: mine.body ?? '' };
  }
  return null;
}

/** Writes `markdown` as the `kind` section of the PR's sticky comment, creating the comment if needed. */
export async function upsertStickyComment(
  octokit: Octokit,
  where: RepoRef,
  pr: number,
  kind: JobKind,
  markdown: string,
): Promise<{ id: number; action: 'created' | 'updated' }> {
  const existing = await findStickyComment(octokit, where, pr);
  const sections = { ...(existing ? parseStickySections(existing.body) : {}), [kind]: markdown };
  const body = stickyBody(sections);
  if (existing !== null) {
    await octokit.rest.issues.updateComment({ ...where, comment_id: existing.id, body });
    return { id: existing.id, action: 'updated' };
  }
  const { data } = await octokit.rest.issues.createComment({ ...where, issue_number: pr, body });
  return { id: data.id, action: 'created' };
}
