import type { FileReport, Report } from "../report/schema.js";
import { gradedIteration } from "../report/select.js";
import { COMMENT_BODY_LIMIT } from "./comment.js";
import { escapeCell, resultLabel } from "../report/markdown.js";
import type { GitHubApi, Issue, RepoRef } from "../ports/github.js";

/** Hidden marker that identifies the one issue scheduled runs keep up to date. */
export const ROLLING_MARKER = "<!-- rubric-gate:schedule -->";
export const ROLLING_LABEL = "rubric-gate";

export interface RollingIssueOptions {
  repo: RepoRef;
  report: Report;
  /** Link to the workflow run, shown in the issue. */
  runUrl?: string;
  /** Commit that was graded. */
  sha?: string;
  label?: string;
  marker?: string;
}

export interface RollingIssueResult {
  /** `none`: nothing failed and no issue was open, or nothing was graded (no news either way). */
  action: "created" | "updated" | "closed" | "none";
  number: number | null;
  url: string | null;
}

const PASSING: FileReport["result"][] = ["satisfied", "skipped"];
const CRITERIA_SHOWN = 8;

/** Files that fail their rubric (grader errors included: they are not known to pass). */
export function failingFiles(report: Report): FileReport[] {
  return report.files.filter((file) => !PASSING.includes(file.result));
}

/**
 * Keeps one open issue (found by label and marker) listing the failing files: creates it when
 * something fails, updates it in place, closes it with a comment once everything passes.
 */
export async function syncRollingIssue(
  api: GitHubApi,
  options: RollingIssueOptions,
): Promise<RollingIssueResult> {
  const label = options.label ?? ROLLING_LABEL;
  const marker = options.marker ?? ROLLING_MARKER;
  const { report } = options;
  const failing = failingFiles(report);
  const problems = failing.length + report.config_errors.length;
  const graded = report.files.some((file) => file.result !== "skipped");

  const open = await api.listOpenIssues(options.repo, [label]);
  const existing = open
    .filter((issue) => !issue.is_pull_request && issue.body.trimStart().startsWith(marker))
    .sort((a, b) => a.number - b.number)[0];

  if (problems === 0) {
    if (existing === undefined || !graded || !report.gate.passed) return none(existing);
    await api.createIssueComment(
      options.repo,
      existing.number,
      `Every graded file satisfies its rubric${at(options)}. Closing this issue; rubric-gate reopens a new one if something fails again.`,
    );
    const closed = await api.updateIssue(options.repo, existing.number, {
      state: "closed",
      state_reason: "completed",
    });
    return { action: "closed", number: closed.number, url: closed.html_url };
  }

  const title = problemTitle(failing.length, report.config_errors.length);
  const body = issueBody(report, failing, options, marker);
  if (existing !== undefined) {
    const updated = await api.updateIssue(options.repo, existing.number, { title, body });
    return { action: "updated", number: updated.number, url: updated.html_url };
  }
  const created = await api.createIssue(options.repo, { title, body, labels: [label] });
  return { action: "created", number: created.number, url: created.html_url };
}

function none(existing: Issue | undefined): RollingIssueResult {
  return { action: "none", number: existing?.number ?? null, url: existing?.html_url ?? null };
}

function at(options: RollingIssueOptions): string {
  const commit = options.sha ? ` at ${options.sha.slice(0, 12)}` : "";
  const run = options.runUrl ? ` ([run](${encodeURI(options.runUrl)}))` : "";
  return commit + run;
}

function problemTitle(files: number, configErrors: number): string {
  const parts = [
    ...(files > 0 ? [`${files} file${files === 1 ? " fails its rubric" : "s fail their rubrics"}`] : []),
    ...(configErrors > 0
      ? [`${configErrors} rubric configuration error${configErrors === 1 ? "" : "s"}`]
      : []),
  ];
  return `rubric-gate: ${parts.join(", ")}`;
}

function issueBody(
  report: Report,
  failing: FileReport[],
  options: RollingIssueOptions,
  marker: string,
): string {
  const head = [
    marker,
    `### ${problemTitle(failing.length, report.config_errors.length)}`,
    "",
    `Scheduled grading${at(options)} on ${report.started_at}. This issue is updated by every scheduled run and closed when everything passes.`,
  ];
  if (report.config_errors.length > 0) {
    head.push("", "**Configuration errors:**", "");
    for (const error of report.config_errors.slice(0, 50)) {
      head.push(`- ${escapeCell(`${error.file}:${error.line}`, 300)}: ${escapeCell(error.message, 500)}`);
    }
  }
  if (failing.length > 0) {
    head.push("", "| File | Rubric | Result | Score | Failing criteria |", "| --- | --- | --- | --- | --- |");
  }
  let body = head.join("\n");
  const limit = COMMENT_BODY_LIMIT - 200; // room for the "more files" line
  for (const [position, file] of failing.entries()) {
    const row = `\n${failingRow(file)}`;
    if (body.length + row.length > limit) {
      body += `\n\n… and ${failing.length - position} more files; see the run's job summary.`;
      break;
    }
    body += row;
  }
  return body + "\n";
}

function failingRow(file: FileReport): string {
  const verdicts = Object.entries(gradedIteration(file)?.verdicts ?? {});
  const ids = verdicts
    .filter(([, verdict]) => verdict.verdict === "fail" && !verdict.advisory)
    .map(([id]) => id);
  const shown = ids.slice(0, CRITERIA_SHOWN).map((id) => escapeCell(id, 100));
  if (ids.length > CRITERIA_SHOWN) shown.push(`+${ids.length - CRITERIA_SHOWN} more`);
  const score = file.best_score === null ? "—" : `${Math.round(file.best_score * 100)}%`;
  const criteria = shown.length > 0 ? shown.join(", ") : file.reason ? escapeCell(file.reason, 200) : "—";
  return `| ${escapeCell(file.path, 300)} | ${escapeCell(file.rubric, 200)} | ${resultLabel(file.result)} | ${score} | ${criteria} |`;
}
