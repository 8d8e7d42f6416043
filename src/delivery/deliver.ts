import type { RunResult } from "../engine/run.js";
import type { GitRemote } from "../ports/git.js";
import type { ChangedFile, RunEvent } from "../github/event.js";
import type { GitHubApi, RepoRef } from "../ports/github.js";
import type { Report } from "../report/schema.js";
import {
  differsReason,
  matchAtCommit,
  rebaseRevision,
  revisionCandidates,
  screenCandidates,
  shown,
  type MatchedCandidate,
} from "./candidates.js";
import { deliveryProblem } from "./guard.js";
import { commitRevisions } from "./commit.js";
import { deliverPullRequest } from "./pull-request.js";
import { deliverSuggestions } from "./suggest.js";
import type { Delivery, DeliveryStrategy } from "./types.js";

/** The `revise` input. */
export type ReviseMode = "off" | "suggest" | "commit" | "pr";

export type DeliveryPlan =
  { revise: false; reason: string } | { revise: true; strategy: DeliveryStrategy; note: string | null };

/**
 * Whether this run revises, and how the revisions leave it: `commit` on same-repository pull requests
 * (forks get suggestions), `suggest` on pull requests, `pr` on schedule and workflow_dispatch, and
 * elsewhere the revisions are only shown. A head commit that is rubric-gate's own revision is graded,
 * never revised again (`headIsRevision`; null when the head commit could not be read).
 */
export function planDelivery(
  mode: ReviseMode,
  event: Exclude<RunEvent, { kind: "unsupported" }>,
  headIsRevision: boolean | null = false,
): DeliveryPlan {
  if (mode === "off") return { revise: false, reason: "revise is off" };
  if (event.kind === "pull_request") {
    if (headIsRevision === null) {
      return { revise: false, reason: "the head commit could not be read, so it is not revised" };
    }
    if (headIsRevision) {
      return {
        revise: false,
        reason:
          "the head commit is rubric-gate's own revision (trailer `Rubric-Gate: revision`): it is graded, not revised again",
      };
    }
    if (mode === "commit" && event.isFork) {
      return {
        revise: true,
        strategy: "suggest",
        note: "`revise: commit` pushes to same-repository pull requests only: this one comes from a fork, so the revisions are suggestions.",
      };
    }
    if (mode === "pr") {
      return {
        revise: true,
        strategy: "suggest",
        note: "`revise: pr` opens pull requests on schedule and workflow_dispatch; on a pull request the revisions are suggestions.",
      };
    }
    return { revise: true, strategy: mode, note: null };
  }
  if (mode === "pr" && (event.eventName === "schedule" || event.eventName === "workflow_dispatch")) {
    return { revise: true, strategy: "pr", note: null };
  }
  return {
    revise: true,
    strategy: "show",
    note:
      mode === "pr"
        ? `\`revise: pr\` opens pull requests on schedule and workflow_dispatch, not on ${event.eventName}: the revisions are shown here.`
        : `\`revise: ${mode}\` delivers to pull requests; on ${event.eventName} the revisions are shown here.`,
  };
}

/** Where the revisions go: the pull request that was graded, or the branch a full run graded. */
export type DeliveryTarget =
  | {
      kind: "pull_request";
      number: number;
      headSha: string;
      headRef: string;
      changed: readonly ChangedFile[];
    }
  | { kind: "branch"; branch: string | null; sha: string };

export interface DeliverOptions {
  strategy: DeliveryStrategy;
  note: string | null;
  api: GitHubApi;
  git: GitRemote;
  repo: RepoRef;
  report: Report;
  revisions: RunResult["revisions"];
  /** Files of the `paths` input: generated, so their revisions are only shown. */
  generated: ReadonlySet<string>;
  maxFileBytes: number;
  target: DeliveryTarget;
  runUrl?: string;
}

/**
 * Delivers the run's revisions by the planned strategy. Every revision is checked against the safety
 * rules again here. A refused push falls back to suggestions; a failure to deliver leaves the revision
 * shown as a diff. Nothing a person wrote is ever overwritten.
 */
export async function deliverRevisions(options: DeliverOptions): Promise<Delivery> {
  const delivery: Delivery = {
    strategy: options.strategy,
    files: [],
    pushed: null,
    review: null,
    pullRequest: null,
    notes: options.note ? [options.note] : [],
  };
  const { deliverable, files } = screenCandidates(revisionCandidates(options.report, options.revisions), {
    generated: options.generated,
    maxBytes: options.maxFileBytes,
  });
  delivery.files.push(...files);
  const decided = new Set<string>();
  try {
    await deliver(options, deliverable, delivery, decided);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    delivery.notes.push(`Delivering the revisions failed (${message}); they are shown as diffs instead.`);
    for (const candidate of deliverable) {
      if (!decided.has(candidate.path)) delivery.files.push(shown(candidate, "delivery failed"));
    }
  }
  return delivery;
}

async function deliver(
  options: DeliverOptions,
  deliverable: ReturnType<typeof screenCandidates>["deliverable"],
  delivery: Delivery,
  decided: Set<string>,
): Promise<void> {
  const record = (files: Delivery["files"]): void => {
    for (const file of files) decided.add(file.path);
    delivery.files.push(...files);
  };
  const { api, git, repo, target } = options;
  if (options.strategy === "show") {
    record(deliverable.map((c) => shown(c, "shown only: there is no pull request to deliver it to")));
    return;
  }
  if (options.strategy === "pr") {
    if (target.kind !== "branch" || target.branch === null) {
      record(deliverable.map((c) => shown(c, "the run did not grade a branch")));
      return;
    }
    const report = options.report;
    const complete =
      report.config_errors.length === 0 &&
      report.gate.counts.grader_error === 0 &&
      report.gate.counts.interrupted === 0;
    const result = await deliverPullRequest(api, git, {
      repo,
      base: target.branch,
      candidates: deliverable,
      complete,
      maxBytes: options.maxFileBytes,
      ...(options.runUrl ? { runUrl: options.runUrl } : {}),
    });
    record(result.files);
    delivery.pushed = result.pushed;
    delivery.pullRequest = result.pullRequest;
    delivery.notes.push(...result.notes);
    return;
  }
  if (target.kind !== "pull_request") {
    record(deliverable.map((c) => shown(c, "the run did not grade a pull request")));
    return;
  }
  const { matched, differing, stale } = await matchAtCommit(git, target.headSha, deliverable);
  record(stale);
  // The checkout was the merge commit and the base changed a revised file: its changes are carried
  // over to the head's version when their context still stands, and offered as suggestions there.
  const rebased: MatchedCandidate[] = [];
  for (const candidate of differing) {
    const atHead = await api.getFileContent(repo, candidate.path, target.headSha);
    const carried = atHead === null ? null : rebaseRevision(candidate, new TextDecoder().decode(atHead));
    const problem =
      carried === null
        ? differsReason(target.headSha)
        : deliveryProblem(carried.path, carried.original, carried.revised, {
            maxBytes: options.maxFileBytes,
          });
    if (carried === null || problem !== null)
      record([shown(candidate, problem ?? differsReason(target.headSha))]);
    else rebased.push({ ...carried, mode: candidate.mode });
  }
  let suggest = options.strategy === "suggest" ? [...matched, ...rebased] : [];
  if (options.strategy === "commit" && rebased.length > 0) {
    // Never a commit over content nobody graded: the whole revision becomes suggestions instead.
    delivery.notes.push(
      "The revision was not committed: the head holds a different version of a revised file than the graded checkout (which merges the base branch). It is offered as suggestions instead.",
    );
    suggest = [...matched, ...rebased];
  } else if (options.strategy === "commit" && matched.length > 0) {
    const outcome = await commitRevisions(git, {
      branch: target.headRef,
      headSha: target.headSha,
      candidates: matched,
      maxBytes: options.maxFileBytes,
    });
    if (outcome.ok) {
      record(outcome.files);
      delivery.pushed = { sha: outcome.sha, branch: target.headRef, paths: outcome.files.map((f) => f.path) };
    } else {
      delivery.notes.push(
        `The revision was not committed: ${outcome.reason}. It is offered as suggestions instead.`,
      );
      suggest = matched;
    }
  }
  const suggestOptions = {
    repo,
    pullNumber: target.number,
    headSha: target.headSha,
    changed: target.changed,
    candidates: suggest,
  };
  if (suggest.length === 0) {
    // Nothing to suggest: still withdraw the suggestions of earlier runs, which no longer apply.
    await deliverSuggestions(api, suggestOptions).catch(() => undefined);
    return;
  }
  const result = await deliverSuggestions(api, suggestOptions);
  record(result.files);
  delivery.review = result.review;
  delivery.notes.push(...result.notes);
}
