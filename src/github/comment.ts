import type { GitHubApi, IssueComment, RepoRef } from "../ports/github.js";

/** Hidden marker that identifies rubric-gate's sticky pull-request comment. */
export const STICKY_MARKER = "<!-- rubric-gate -->";

/** GitHub rejects comment bodies longer than this. */
export const COMMENT_BODY_LIMIT = 65_536;

export interface StickyCommentOptions {
  repo: RepoRef;
  issueNumber: number;
  /** Markdown to show (e.g. `renderSummary`); capped so that marker and body stay under the limit. */
  body: string;
  marker?: string;
  /**
   * Login whose comment may be updated. Without it, only comments by bot accounts count, so that a
   * person's comment that happens to start with the marker is never overwritten.
   */
  author?: string;
}

export interface StickyCommentResult {
  action: "created" | "updated" | "unchanged";
  id: number;
  url: string;
}

/** The full comment body: marker first, capped under GitHub's limit. */
export function stickyBody(body: string, marker: string = STICKY_MARKER): string {
  const prefix = `${marker}\n`;
  const room = COMMENT_BODY_LIMIT - 1 - prefix.length;
  if (body.length <= room) return prefix + body;
  const suffix = "\n\n… (comment truncated; see the job summary)";
  return prefix + body.slice(0, room - suffix.length) + suffix;
}

/** Finds rubric-gate's earlier comment: first by the marker and an allowed author. */
export function findStickyComment(
  comments: IssueComment[],
  marker: string = STICKY_MARKER,
  author?: string,
): IssueComment | undefined {
  return comments.find(
    (comment) =>
      comment.body.trimStart().startsWith(marker) &&
      comment.user !== null &&
      (author === undefined ? comment.user.type === "Bot" : comment.user.login === author),
  );
}

/** Creates the sticky comment, or updates it in place when it exists. */
export async function upsertStickyComment(
  api: GitHubApi,
  options: StickyCommentOptions,
): Promise<StickyCommentResult> {
  const marker = options.marker ?? STICKY_MARKER;
  const body = stickyBody(options.body, marker);
  const comments = await api.listIssueComments(options.repo, options.issueNumber);
  const existing = findStickyComment(comments, marker, options.author);
  if (existing !== undefined) {
    if (existing.body === body) return { action: "unchanged", id: existing.id, url: existing.html_url };
    const updated = await api.updateIssueComment(options.repo, existing.id, body);
    return { action: "updated", id: updated.id, url: updated.html_url };
  }
  const created = await api.createIssueComment(options.repo, options.issueNumber, body);
  return { action: "created", id: created.id, url: created.html_url };
}
