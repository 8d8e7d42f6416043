import { z } from "zod";
import type { GitHubApi, PullRequestFile } from "../ports/github.js";

/** What a run grades, decided by the event that started it. */
export type RunEvent =
  | {
      kind: "pull_request";
      eventName: string;
      number: number;
      baseSha: string;
      baseRef: string;
      headSha: string;
      headRef: string;
      /** `owner/name` of the head repository; null when the fork was deleted. */
      headRepoFullName: string | null;
      /** True when the head repository is not the base repository. */
      isFork: boolean;
    }
  | { kind: "full"; eventName: string; sha: string; ref: string | null }
  | { kind: "unsupported"; eventName: string; reason: string };

/** The part of an Actions context this module reads (`github.context` fits). */
export interface EventContext {
  eventName: string;
  payload: unknown;
  /** `GITHUB_SHA`. */
  sha?: string;
  /** `GITHUB_REF`. */
  ref?: string;
}

export class EventPayloadError extends Error {
  override name = "EventPayloadError";
}

const RepoSchema = z.object({ full_name: z.string() });
const PullRequestPayloadSchema = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ sha: z.string().min(1), ref: z.string(), repo: RepoSchema.nullable() }),
    base: z.object({ sha: z.string().min(1), ref: z.string(), repo: RepoSchema }),
  }),
});
const PushPayloadSchema = z.object({
  after: z.string().optional(),
  ref: z.string().optional(),
  deleted: z.boolean().optional(),
});

const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target"]);
const FULL_EVENTS = new Set(["push", "schedule", "workflow_dispatch"]);
const ZERO_SHA = /^0+$/;

/** Reads the event: pull requests grade their diff; push, schedule and dispatch grade everything. */
export function parseEvent(context: EventContext): RunEvent {
  const { eventName } = context;
  if (PULL_REQUEST_EVENTS.has(eventName)) {
    const parsed = PullRequestPayloadSchema.safeParse(context.payload);
    if (!parsed.success) {
      throw new EventPayloadError(
        `The ${eventName} event payload lacks pull_request.number, head or base: ${z.prettifyError(parsed.error)}`,
        { cause: parsed.error },
      );
    }
    const pr = parsed.data.pull_request;
    const headRepoFullName = pr.head.repo?.full_name ?? null;
    return {
      kind: "pull_request",
      eventName,
      number: pr.number,
      baseSha: pr.base.sha,
      baseRef: pr.base.ref,
      headSha: pr.head.sha,
      headRef: pr.head.ref,
      headRepoFullName,
      isFork:
        headRepoFullName === null || headRepoFullName.toLowerCase() !== pr.base.repo.full_name.toLowerCase(),
    };
  }
  if (FULL_EVENTS.has(eventName)) {
    const push = eventName === "push" ? PushPayloadSchema.safeParse(context.payload) : undefined;
    if (
      push?.success &&
      (push.data.deleted === true || (push.data.after && ZERO_SHA.test(push.data.after)))
    ) {
      return { kind: "unsupported", eventName, reason: "the push deleted the branch" };
    }
    const sha = (push?.success ? push.data.after : undefined) ?? context.sha;
    if (!sha) throw new EventPayloadError(`The ${eventName} event has no commit SHA (GITHUB_SHA is not set)`);
    const ref = (push?.success ? push.data.ref : undefined) ?? context.ref ?? null;
    return { kind: "full", eventName, sha, ref };
  }
  return {
    kind: "unsupported",
    eventName,
    reason: `rubric-gate runs on pull_request, pull_request_target, issue_comment (commands), push, schedule and workflow_dispatch, not ${eventName}`,
  };
}

/** A file a pull request adds or changes (removed files are left out: nothing to grade). */
export interface ChangedFile {
  path: string;
  status: Exclude<PullRequestFile["status"], "removed">;
  /** The old path of a renamed (or copied) file. */
  previousPath?: string;
  /** The unified diff hunk, when GitHub sends one (not for binary or very large files). */
  patch?: string;
}

/** GitHub's pull-request files API lists at most this many files. */
export const PULL_FILES_LIMIT = 3_000;

/** The files a pull request changes, paginated; renamed files under their new name, removed ones dropped. */
export async function listChangedFiles(
  api: GitHubApi,
  owner: string,
  repo: string,
  number: number,
): Promise<ChangedFile[]> {
  const files = await api.listPullRequestFiles({ owner, repo }, number);
  const changed: ChangedFile[] = [];
  for (const file of files) {
    if (file.status === "removed") continue;
    changed.push({
      path: file.filename,
      status: file.status,
      ...(file.previous_filename === undefined ? {} : { previousPath: file.previous_filename }),
      ...(file.patch === undefined ? {} : { patch: file.patch }),
    });
  }
  return changed;
}
