import type { ChangedFile } from "../github/event.js";
import type { DraftReviewComment, GitHubApi, RepoRef, Review, ReviewComment } from "../ports/github.js";
import { httpStatusOf } from "../ports/github.js";
import { applyLineChanges, unifiedDiff, type LineChange } from "./changes.js";
import { facts, shown } from "./candidates.js";
import {
  MAX_SUGGESTIONS_PER_REVIEW,
  SUGGESTION_MARKER,
  planFileSuggestions,
  suggestionComment,
} from "./suggestions.js";
import type { Delivery, FileDelivery, RevisionCandidate } from "./types.js";

/** Hidden marker of rubric-gate's reviews. */
export const REVIEW_MARKER = "<!-- rubric-gate:review -->";
const OUTDATED = `${REVIEW_MARKER}\n_rubric-gate: these suggestions are outdated; a newer run replaced or withdrew them._`;

export interface SuggestOptions {
  repo: RepoRef;
  pullNumber: number;
  /** The head commit the suggestions are made on (the graded one). */
  headSha: string;
  /** The pull request's files, with their patches. */
  changed: readonly ChangedFile[];
  /** Revisions whose file at `headSha` is the graded version (see `matchAtCommit`). */
  candidates: readonly RevisionCandidate[];
}

/**
 * Offers revisions as one review (event `COMMENT`) of suggestions on lines of the diff, at most 30;
 * changes off the diff, or beyond 30, come back as diffs for the summary comment. Earlier
 * suggestions of rubric-gate that still stand are kept as they are, the others are deleted, and a
 * review left without suggestions is marked outdated: a suggestion is never posted twice.
 */
export async function deliverSuggestions(
  api: GitHubApi,
  options: SuggestOptions,
): Promise<Pick<Delivery, "files" | "review" | "notes">> {
  const patches = new Map(options.changed.map((file) => [file.path, file.patch]));
  const drafts: DraftReviewComment[] = [];
  const perFile: Array<{
    candidate: RevisionCandidate;
    drafts: DraftReviewComment[];
    outside: LineChange[];
  }> = [];
  for (const candidate of options.candidates) {
    const plan = planFileSuggestions(
      candidate.path,
      candidate.original,
      candidate.revised,
      patches.get(candidate.path),
    );
    const mine: DraftReviewComment[] = [];
    const outside = [...plan.outside];
    for (const suggestion of plan.suggestions) {
      const comment =
        drafts.length < MAX_SUGGESTIONS_PER_REVIEW
          ? suggestionComment(suggestion, { rubric: candidate.rubric, fixed: candidate.fixed })
          : null;
      if (comment === null) outside.push(suggestion.change);
      else {
        drafts.push(comment);
        mine.push(comment);
      }
    }
    perFile.push({ candidate, drafts: mine, outside });
  }

  const notes: string[] = [];
  let review: Delivery["review"];
  try {
    review = await syncReview(api, options, drafts);
  } catch (error) {
    const status = httpStatusOf(error);
    const hint = status === 403 ? " Give the job `permissions: pull-requests: write`." : "";
    notes.push(
      `The suggestions could not be posted as a review (${status === undefined ? String(error) : `HTTP ${status}`}); ` +
        `the revisions are shown as diffs instead.${hint}`,
    );
    return {
      files: options.candidates.map((c) => shown(c, "the review could not be posted")),
      review: null,
      notes,
    };
  }

  const files: FileDelivery[] = perFile.map(({ candidate, drafts: mine, outside }) => {
    if (mine.length === 0) {
      return shown(
        candidate,
        patches.has(candidate.path)
          ? "no change of the revision falls inside a hunk of the pull request's diff"
          : "the file is not changed by the pull request, so suggestions cannot be made on it",
      );
    }
    const rest = applyLineChanges(candidate.original, outside);
    const outsideDiff = outside.length > 0 ? unifiedDiff(candidate.path, candidate.original, rest) : null;
    return { ...facts(candidate), state: "suggested", suggestions: mine.length, outsideDiff };
  });
  return { files, review, notes };
}

function sameComment(existing: ReviewComment, draft: DraftReviewComment): boolean {
  return (
    existing.path === draft.path &&
    existing.line === draft.line &&
    (existing.start_line ?? null) === (draft.start_line ?? null) &&
    existing.body === draft.body
  );
}

/** Ours: carries the marker and was written by a bot (a person quoting the marker is left alone). */
function isOurs(item: { body: string; user: { type: string } | null }, marker: string): boolean {
  return item.user?.type === "Bot" && item.body.includes(marker);
}

async function syncReview(
  api: GitHubApi,
  options: SuggestOptions,
  drafts: DraftReviewComment[],
): Promise<Delivery["review"]> {
  const { repo, pullNumber } = options;
  const existing = (await api.listReviewComments(repo, pullNumber)).filter((c) =>
    isOurs(c, SUGGESTION_MARKER),
  );
  const kept = existing.filter((comment) => drafts.some((draft) => sameComment(comment, draft)));
  const stale = existing.filter((comment) => !kept.includes(comment));
  const fresh = drafts.filter((draft) => !kept.some((comment) => sameComment(comment, draft)));
  if (existing.length === 0 && drafts.length === 0) return null;

  for (const comment of stale) await api.deleteReviewComment(repo, comment.id);
  let created: Review | null = null;
  if (fresh.length > 0) {
    const total = kept.length + fresh.length;
    created = await api.createReview(repo, pullNumber, {
      commit_id: options.headSha,
      body:
        `${REVIEW_MARKER}\nrubric-gate suggests ${fresh.length} change${fresh.length === 1 ? "" : "s"} ` +
        `so that the files meet their rubrics${total > fresh.length ? ` (${total - fresh.length} earlier suggestion(s) still stand)` : ""}. ` +
        "Each was re-graded by the judge as part of the whole revision; changes outside the diff are in the summary comment.",
      comments: fresh,
    });
  }
  // A review whose suggestions are all gone says so, rather than pointing at nothing.
  if (stale.length > 0) {
    const live = new Set(kept.map((comment) => comment.review_id));
    const emptied = new Set(
      stale.map((comment) => comment.review_id).filter((id) => id !== null && !live.has(id)),
    );
    if (emptied.size > 0) {
      for (const old of await api.listReviews(repo, pullNumber)) {
        if (emptied.has(old.id) && isOurs(old, REVIEW_MARKER) && old.body !== OUTDATED) {
          await api.updateReview(repo, pullNumber, old.id, OUTDATED);
        }
      }
    }
  }
  return { url: created?.html_url ?? null, created: fresh.length, kept: kept.length, removed: stale.length };
}
