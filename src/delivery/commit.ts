import type { GitRemote } from "../ports/git.js";
import type { MatchedCandidate } from "./candidates.js";
import { facts } from "./candidates.js";
import { deliveryProblem } from "./guard.js";
import { revisionCommitMessage } from "./message.js";
import type { FileDelivery } from "./types.js";

export type CommitOutcome =
  | { ok: true; sha: string; files: FileDelivery[] }
  /** Nothing was pushed; the branch is as it was. */
  | { ok: false; reason: string };

/**
 * Pushes one commit with the revisions onto a pull request's head branch, never over someone's work:
 * the commit's parent is the graded head, and the branch moves only by a fast-forward from exactly
 * that head (GitHub refuses `force: false` updates that are not fast-forwards). Only the revised,
 * graded files change; each is checked against the safety rules once more right before.
 */
export async function commitRevisions(
  git: GitRemote,
  options: {
    branch: string;
    /** The head commit that was graded: the new commit's parent. */
    headSha: string;
    candidates: readonly MatchedCandidate[];
    maxBytes: number;
  },
): Promise<CommitOutcome> {
  const { branch, headSha } = options;
  const candidates = options.candidates.filter(
    (c) => deliveryProblem(c.path, c.original, c.revised, { maxBytes: options.maxBytes }) === null,
  );
  if (candidates.length !== options.candidates.length || candidates.length === 0) {
    return { ok: false, reason: "a revision failed the safety checks right before the commit" };
  }
  const before = await git.branchHead(branch);
  if (before !== headSha) return { ok: false, reason: moved(branch, headSha, before) };

  const head = await git.readCommit(headSha);
  const tree = await git.writeTree(
    head.tree,
    candidates.map((c) => ({ path: c.path, mode: c.mode, content: new TextEncoder().encode(c.revised) })),
  );
  const message = revisionCommitMessage(candidates, headSha);
  const sha = await git.writeCommit({ message, tree, parents: [headSha] });
  const update = await git.fastForward(branch, sha);
  if (!update.ok) {
    // Say why in the words that matter to the author: most often someone pushed meanwhile.
    const now = await git.branchHead(branch).catch(() => undefined);
    if (now !== undefined && now !== headSha) {
      return { ok: false, reason: `${moved(branch, headSha, now)}; ${update.reason}` };
    }
    return { ok: false, reason: update.reason };
  }
  return {
    ok: true,
    sha,
    files: candidates.map((c) => ({ ...facts(c), state: "committed", commit: sha, branch })),
  };
}

function moved(branch: string, graded: string, now: string | null): string {
  return now === null
    ? `the branch ${branch} no longer exists`
    : `the branch ${branch} moved since grading (graded ${graded.slice(0, 12)}, now ${now.slice(0, 12)}): nothing was pushed over it`;
}
