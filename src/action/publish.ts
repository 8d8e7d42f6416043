import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { reportPage } from "../view/report-page.js";
import * as core from "@actions/core";
import { buildAnnotations } from "../report/annotations.js";
import { completeCheck, fallbackNotice, type CheckHandle } from "../github/checks.js";
import { conclusionFor } from "../report/conclusion.js";
import { CHECK_SUMMARY_LIMIT, renderSummary, type SummaryOptions } from "../report/markdown.js";
import type { CheckConclusion, GitHubApi } from "../ports/github.js";
import { gateSentence } from "../report/gate.js";
import type { FileReport, Report } from "../report/schema.js";
import type { Inputs } from "./inputs.js";
import { log } from "./log.js";

const FULL_REPORT_HINT = "the report artifact (output `report-path`) and the job summary";

/**
 * Completes a check run with the grades of the commit it is on (`view`, see `reportAt`): conclusion,
 * title, summary (with `extra` markdown after it, e.g. the revisions) and annotations at that commit's lines.
 */
export async function publishCheck(
  api: GitHubApi,
  handle: CheckHandle,
  view: Report,
  options: {
    inputs: Inputs;
    notices?: string[];
    extra?: string;
    revisionState?: (file: FileReport) => string;
  },
): Promise<CheckConclusion> {
  const conclusion = conclusionOf(view, options.inputs);
  const notices = [
    ...(handle.kind === "workflow-commands" ? [fallbackNotice(handle.reason)] : []),
    ...(options.notices ?? []),
  ];
  const summary = summaryWith(view, CHECK_SUMMARY_LIMIT, options.extra ?? "", {
    notices,
    ...(options.revisionState ? { revisionState: options.revisionState } : {}),
  });
  const publication = await completeCheck(api, handle, {
    conclusion,
    title: checkTitle(view, conclusion),
    summary,
    annotations: buildAnnotations(view),
  });
  log.info(`Published ${publication.annotations} annotation(s) via ${publication.path}.`);
  return conclusion;
}

/** The conclusion a check on a commit with these grades gets, under the `fail-on` and `on-grader-error` inputs. */
export function conclusionOf(view: Report, inputs: Inputs): CheckConclusion {
  return conclusionFor(view, { failOn: inputs["fail-on"], graderError: inputs["on-grader-error"] });
}

/** Completes the check as skipped (neutral) with what to configure. */
export async function publishSkip(api: GitHubApi, handle: CheckHandle, reason: string): Promise<void> {
  const summary = `## rubric-gate: grading skipped\n\n${reason}`;
  await completeCheck(api, handle, {
    conclusion: "neutral",
    title: "Grading skipped",
    summary,
    annotations: [],
  });
  await log.summary(summary);
  log.notice(reason);
}

/** Markdown under a limit: the rendered report, then `extra` (which is kept whole when it fits). */
export function summaryWith(
  report: Report,
  maxLength: number,
  extra: string,
  options: Pick<SummaryOptions, "notices" | "revisionState"> = {},
): string {
  const tail = extra ? `\n${extra}\n` : "";
  return (
    renderSummary(report, {
      ...options,
      maxLength: Math.max(1_000, maxLength - tail.length),
      fullReportHint: FULL_REPORT_HINT,
    }) + tail
  );
}

/** The check's title: the gate's sentence, and what the policy made of it when it differs. */
export function checkTitle(report: Report, conclusion: CheckConclusion): string {
  const sentence = gateSentence(report.gate);
  const softened =
    conclusion === "neutral" && (report.gate.status === "failed" || report.gate.status === "error");
  return softened ? `${sentence} (reported as neutral: fail-on / on-grader-error)` : sentence;
}

/** The `result` output, from the check's conclusion and the gate (see `decideGate`). */
export function outcomeOf(conclusion: CheckConclusion, report: Report): string {
  if (report.gate.status === "error") return "error";
  return conclusion === "success" ? "passed" : conclusion === "neutral" ? "skipped" : "failed";
}

export function setOutputs(
  result: string,
  conclusion: CheckConclusion,
  report: Report | null,
  paths: ReportPaths | null,
  revision: { sha: string | null; pullRequest: number | null } = { sha: null, pullRequest: null },
): void {
  core.setOutput("result", result);
  core.setOutput("conclusion", conclusion);
  core.setOutput("report-path", paths?.json ?? "");
  core.setOutput("report-page-path", paths?.page ?? "");
  const graded = report?.files.filter((f) => f.result !== "skipped") ?? [];
  core.setOutput("files-graded", graded.length);
  core.setOutput("files-satisfied", graded.filter((f) => f.result === "satisfied").length);
  core.setOutput("files-failing", graded.filter((f) => f.result !== "satisfied").length);
  const scores = graded.map((f) => f.best_score).filter((s): s is number => s !== null);
  core.setOutput(
    "score",
    scores.length ? (scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(3) : "",
  );
  core.setOutput("revision-sha", revision.sha ?? "");
  core.setOutput("revisions-pull-request", revision.pullRequest ?? "");
}

/**
 * Writes the JSON report and, beside it, its page (`report.html`, SPEC §11), for `actions/upload-artifact`.
 * A page that cannot be written is a warning: the report and the gate stand without it.
 */
export async function writeReport(report: Report): Promise<ReportPaths> {
  const dir = join(process.env["RUNNER_TEMP"] ?? process.cwd(), "rubric-gate");
  await mkdir(dir, { recursive: true });
  const json = join(dir, "report.json");
  await writeFile(json, JSON.stringify(report, null, 2) + "\n");
  const page = join(dir, "report.html");
  try {
    await writeFile(page, reportPage(report));
  } catch (error) {
    log.warning(`rubric-gate could not write the report's page beside ${json}: ${(error as Error).message}`);
    return { json, page: null };
  }
  return { json, page };
}

/** Where the report and its page were written; `page` is null when it could not be. */
export interface ReportPaths {
  json: string;
  page: string | null;
}
