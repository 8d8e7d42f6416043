import { isRevisionCommit } from "../git/trailers.js";
import type { GitRemote } from "../ports/git.js";
import type { GitHubApi, PullRequest, RepoRef } from "../ports/github.js";
import { escapeCell } from "../report/markdown.js";
import { facts, matchAtCommit, shown } from "./candidates.js";
import { deliveryProblem } from "./guard.js";
import { revisionCommitMessage } from "./message.js";
import type { Delivery, FileDelivery, RevisionCandidate } from "./types.js";

/** The one branch scheduled runs keep their revisions on. */
export const REVISIONS_BRANCH = "rubric-gate/revisions";
/** Hidden marker of the revisions pull request's body. */
export const REVISIONS_MARKER = "<!-- rubric-gate:revisions -->";
const TITLE = "rubric-gate: revisions to meet the rubrics";

export interface PullRequestOptions {
  repo: RepoRef;
  /** The branch that was graded, which the pull request targets (the default branch on schedule). */
  base: string;
  candidates: readonly RevisionCandidate[];
  /** False when the run could not tell (grader errors, interruptions): an open pull request is then left as it is. */
  complete: boolean;
  maxBytes: number;
  runUrl?: string;
}

/**
 * Keeps one pull request with the revisions (SPEC §7, `revise: pr`): one commit on `rubric-gate/revisions`
 * on top of the base branch's current head, the pull request opened or updated in place, and closed
 * when nothing is left to fix. The branch is rubric-gate's own, so it is moved with force — but only
 * after checking that its head commit is one rubric-gate made; otherwise nothing is touched.
 */
export async function deliverPullRequest(
  api: GitHubApi,
  git: GitRemote,
  options: PullRequestOptions,
): Promise<Pick<Delivery, "files" | "pushed" | "pullRequest" | "notes">> {
  const { repo, base } = options;
  const none = { files: [] as FileDelivery[], pushed: null, pullRequest: null, notes: [] as string[] };
  const branchHead = await git.branchHead(REVISIONS_BRANCH);
  if (branchHead !== null && !isRevisionCommit((await git.readCommit(branchHead)).message)) {
    return {
      ...none,
      files: options.candidates.map((c) =>
        shown(c, `the branch ${REVISIONS_BRANCH} holds a commit rubric-gate did not make`),
      ),
      notes: [
        `The branch ${REVISIONS_BRANCH} has a head commit (${branchHead.slice(0, 12)}) without the ` +
          "`Rubric-Gate: revision` trailer: someone else's work may be there, so rubric-gate did not touch it. " +
          "Merge or move that work, then delete the branch.",
      ],
    };
  }
  const open = (
    await api.listPullRequests(repo, { head: `${repo.owner}:${REVISIONS_BRANCH}`, state: "open" })
  )[0];

  const baseHead = await git.branchHead(base);
  if (baseHead === null) return { ...none, notes: [`The branch ${base} does not exist any more.`] };
  const { matched, stale } = await matchAtCommit(git, baseHead, options.candidates);
  const deliverable = matched.filter(
    (c) => deliveryProblem(c.path, c.original, c.revised, { maxBytes: options.maxBytes }) === null,
  );

  if (deliverable.length === 0) {
    if (options.candidates.length === 0 && options.complete && open !== undefined) {
      const closed = await closePullRequest(api, git, repo, open, branchHead);
      return { ...none, pullRequest: closed };
    }
    return { ...none, files: stale };
  }

  const baseCommit = await git.readCommit(baseHead);
  const tree = await git.writeTree(
    baseCommit.tree,
    deliverable.map((c) => ({ path: c.path, mode: c.mode, content: new TextEncoder().encode(c.revised) })),
  );
  const notes: string[] = [];
  let sha: string | null = null;
  if (branchHead !== null) {
    const current = await git.readCommit(branchHead);
    // Nothing new: same tree on the same base. Leave the branch (and its check) alone.
    if (current.tree === tree && current.parents[0] === baseHead) sha = branchHead;
  }
  if (sha === null) {
    const commit = await git.writeCommit({
      message: revisionCommitMessage(deliverable, baseHead),
      tree,
      parents: [baseHead],
    });
    // Re-check right before forcing: someone may have pushed to the branch while we graded.
    const now = await git.branchHead(REVISIONS_BRANCH);
    if (now !== branchHead) {
      return {
        ...none,
        files: [...stale, ...deliverable.map((c) => shown(c, "the revisions branch moved meanwhile"))],
        notes: [`The branch ${REVISIONS_BRANCH} moved while rubric-gate worked; it was left as it is.`],
      };
    }
    const update =
      branchHead === null
        ? await git.createBranch(REVISIONS_BRANCH, commit)
        : await git.forceUpdate(REVISIONS_BRANCH, commit);
    if (!update.ok) {
      return {
        ...none,
        files: [...stale, ...deliverable.map((c) => shown(c, update.reason))],
        notes: [`The revisions could not be pushed to ${REVISIONS_BRANCH}: ${update.reason}`],
      };
    }
    sha = commit;
  }

  const body = pullRequestBody(deliverable, {
    baseHead,
    ...(options.runUrl ? { runUrl: options.runUrl } : {}),
  });
  let pullRequest: Delivery["pullRequest"];
  if (open === undefined) {
    const created = await api.createPullRequest(repo, { title: TITLE, head: REVISIONS_BRANCH, base, body });
    pullRequest = { number: created.number, url: created.html_url, action: "created" };
  } else if (open.body === body && open.title === TITLE && sha === branchHead) {
    pullRequest = { number: open.number, url: open.html_url, action: "unchanged" };
  } else {
    const updated = await api.updatePullRequest(repo, open.number, { title: TITLE, body });
    pullRequest = { number: updated.number, url: updated.html_url, action: "updated" };
  }
  const files: FileDelivery[] = [
    ...stale,
    ...deliverable.map((c) => ({
      ...facts(c),
      state: "committed" as const,
      commit: sha,
      branch: REVISIONS_BRANCH,
    })),
  ];
  return {
    files,
    pushed:
      sha === branchHead ? null : { sha, branch: REVISIONS_BRANCH, paths: deliverable.map((c) => c.path) },
    pullRequest,
    notes,
  };
}

async function closePullRequest(
  api: GitHubApi,
  git: GitRemote,
  repo: RepoRef,
  open: PullRequest,
  branchHead: string | null,
): Promise<Delivery["pullRequest"]> {
  await api.createIssueComment(
    repo,
    open.number,
    "Every graded file now satisfies its rubric, or has no revision left to offer: nothing is left to fix. " +
      "Closing this pull request; rubric-gate opens a new one when a revision is due.",
  );
  const closed = await api.updatePullRequest(repo, open.number, { state: "closed" });
  // The branch head was checked to be rubric-gate's own commit above.
  if (branchHead !== null) await git.deleteBranch(REVISIONS_BRANCH);
  return { number: closed.number, url: closed.html_url, action: "closed" };
}

function pullRequestBody(
  files: readonly RevisionCandidate[],
  options: { baseHead: string; runUrl?: string },
): string {
  const rows = files.map((file) => {
    const fixed = file.fixed.length > 0 ? file.fixed.map((id) => escapeCell(id, 100)).join(", ") : "—";
    return `| ${escapeCell(file.path, 300)} | ${escapeCell(file.rubric, 200)} | ${fixed} |`;
  });
  const run = options.runUrl ? ` ([run](${encodeURI(options.runUrl)}))` : "";
  return [
    REVISIONS_MARKER,
    `rubric-gate's writer revised these files and its judge re-graded every revision from scratch, on top of ${options.baseHead.slice(0, 12)}${run}.`,
    "",
    "| File | Rubric | Criteria fixed |",
    "| --- | --- | --- |",
    ...rows,
    "",
    `Every scheduled run rewrites the branch \`${REVISIONS_BRANCH}\` with the current revisions and closes this pull request when nothing is left to fix. ` +
      "Review, edit and merge it like any other; rubric-gate never overwrites a commit it did not make there.",
  ].join("\n");
}
