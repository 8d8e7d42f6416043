import * as core from "@actions/core";
import type { AnnotationProperties } from "@actions/core";
import { ANNOTATIONS_PER_REQUEST, chunk } from "../report/annotations.js";
import { CHECK_SUMMARY_LIMIT } from "../report/markdown.js";
import {
  httpStatusOf,
  type CheckAnnotation,
  type CheckConclusion,
  type GitHubApi,
  type RepoRef,
} from "../ports/github.js";

/** Where the results go: a check run, or workflow-command annotations when the token cannot write checks. */
export type CheckHandle =
  | { kind: "check-run"; repo: RepoRef; id: number; url: string | null }
  | { kind: "workflow-commands"; reason: string };

export type CheckPublication =
  | { path: "check-run"; id: number; url: string | null; requests: number; annotations: number }
  | { path: "workflow-commands"; annotations: number; notice: string };

export interface CheckCompletion {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

/** Receives annotations when there is no check run; `@actions/core` by default. */
export interface WorkflowCommandSink {
  error(message: string, properties: AnnotationProperties): void;
  warning(message: string, properties: AnnotationProperties): void;
  notice(message: string, properties: AnnotationProperties): void;
}

const TITLE_MAX = 255;

/** The summary line explaining the fallback, for the job summary. */
export function fallbackNotice(reason: string): string {
  return (
    `No check run was created (${reason}): annotations were written to the workflow log instead. ` +
    "Give the job `permissions: checks: write` to get a check run."
  );
}

/** Creates the check run (`in_progress`) on the head SHA; falls back to workflow commands on 403. */
export async function startCheck(
  api: GitHubApi,
  options: { repo: RepoRef; name: string; headSha: string; detailsUrl?: string },
): Promise<CheckHandle> {
  try {
    const run = await api.createCheckRun(options.repo, {
      name: options.name,
      head_sha: options.headSha,
      status: "in_progress",
      started_at: new Date().toISOString(),
      ...(options.detailsUrl === undefined ? {} : { details_url: options.detailsUrl }),
    });
    return { kind: "check-run", repo: options.repo, id: run.id, url: run.html_url };
  } catch (error) {
    if (httpStatusOf(error) !== 403) throw error;
    return { kind: "workflow-commands", reason: "the token may not write checks (HTTP 403)" };
  }
}

/**
 * Completes the check: conclusion, title, summary and the first 50 annotations in one request, then
 * the rest 50 per update (GitHub appends them). Without a check run, emits workflow commands.
 */
export async function completeCheck(
  api: GitHubApi,
  handle: CheckHandle,
  completion: CheckCompletion,
  sink: WorkflowCommandSink = core,
): Promise<CheckPublication> {
  if (handle.kind === "workflow-commands")
    return emitWorkflowCommands(completion.annotations, handle.reason, sink);
  const title = completion.title.slice(0, TITLE_MAX);
  const summary = capSummary(completion.summary);
  const [first = [], ...rest] = chunk(completion.annotations, ANNOTATIONS_PER_REQUEST);
  try {
    await api.updateCheckRun(handle.repo, handle.id, {
      status: "completed",
      conclusion: completion.conclusion,
      completed_at: new Date().toISOString(),
      output: { title, summary, annotations: first },
    });
  } catch (error) {
    if (httpStatusOf(error) !== 403) throw error;
    return emitWorkflowCommands(completion.annotations, "the token may not update checks (HTTP 403)", sink);
  }
  for (const annotations of rest) {
    await api.updateCheckRun(handle.repo, handle.id, { output: { title, summary, annotations } });
  }
  return {
    path: "check-run",
    id: handle.id,
    url: handle.url,
    requests: 1 + rest.length,
    annotations: completion.annotations.length,
  };
}

function capSummary(summary: string): string {
  if (summary.length <= CHECK_SUMMARY_LIMIT) return summary;
  const suffix = "\n\n… (summary truncated; see the job summary)";
  return summary.slice(0, CHECK_SUMMARY_LIMIT - suffix.length) + suffix;
}

function emitWorkflowCommands(
  annotations: CheckAnnotation[],
  reason: string,
  sink: WorkflowCommandSink,
): CheckPublication {
  for (const annotation of annotations) {
    const properties: AnnotationProperties = {
      file: annotation.path,
      startLine: annotation.start_line,
      endLine: annotation.end_line,
      ...(annotation.title === undefined ? {} : { title: annotation.title }),
    };
    if (annotation.annotation_level === "failure") sink.error(annotation.message, properties);
    else if (annotation.annotation_level === "warning") sink.warning(annotation.message, properties);
    else sink.notice(annotation.message, properties);
  }
  return { path: "workflow-commands", annotations: annotations.length, notice: fallbackNotice(reason) };
}
