import { gateSentence } from "./gate.js";
import type { FileReport, FileResult, GateStatus, IterationReport, Report } from "./schema.js";
import { safeText } from "../util/redact.js";
import { gradedIteration } from "./select.js";

/** GitHub's limit for a check run's `output.summary` (and the cap used for comments). */
export const CHECK_SUMMARY_LIMIT = 65_535;

export interface SummaryOptions {
  /** The rendered text is always shorter than or equal to this, in UTF-16 code units. */
  maxLength: number;
  /** Where the complete report is, named by the note added when files are left out. */
  fullReportHint?: string;
  /** Lines shown under the header, e.g. that annotations went to the log instead of a check run. */
  notices?: string[];
  /** Heading text; default `rubric-gate`. */
  title?: string;
  /** What became of a file's best revision, in words (default "written back" or "not committed"). */
  revisionState?: (file: FileReport) => string;
}

const EXPLANATION_MAX = 600;
const EVIDENCE_MAX = 200;
const REASON_MAX = 500;
const DIFF_MAX = 20_000;
const DEFAULT_HINT = "the JSON report (action output `report-path`) and the job summary";

const RESULT_LABELS: Record<FileResult, string> = {
  satisfied: "✅ satisfied",
  needs_revision: "❌ needs revision",
  max_iterations_reached: "❌ max iterations reached",
  failed: "❌ rubric not applicable",
  grader_error: "⚠️ grader error",
  interrupted: "⏹️ interrupted",
  skipped: "⏭️ skipped",
};

/** A file result in words, with an icon. */
export function resultLabel(result: FileResult): string {
  return RESULT_LABELS[result];
}

/**
 * Model-derived or repository text made inert for GitHub markdown: redacted, capped, markdown and HTML
 * escaped, @mentions defused, and single-line (newlines become `<br>`), so it can sit in a table cell.
 */
export function escapeCell(text: string, maxLength: number): string {
  return escapeMarkdown(safeText(text, maxLength));
}

/**
 * The tool's own sentences, which may quote a path or an error (`revise: commit` …), as markdown: each
 * well-formed `code span` is kept (its content renders literally), everything else is escaped as
 * `escapeCell` does. Whatever a quoted value holds, it cannot add markup, a mention or a new span.
 */
export function escapeProse(text: string, maxLength: number): string {
  const plain = safeText(text, maxLength);
  let out = "";
  let last = 0;
  for (const span of plain.matchAll(/`[^`\n]+`/g)) {
    out += escapeMarkdown(plain.slice(last, span.index)) + span[0];
    last = span.index + span[0].length;
  }
  return out + escapeMarkdown(plain.slice(last));
}

function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~#!&]/g, "\\$&")
    .replace(/@(?=\w)/g, "@\u200b")
    .replace(/\r?\n/g, "<br>");
}

/** Text for an HTML context (`<summary>`): redacted, capped, entity-escaped, mentions defused. */
export function escapeHtml(text: string, maxLength: number): string {
  return safeText(text, maxLength)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/@(?=\w)/g, "@\u200b")
    .replace(/\r?\n/g, " ");
}

/** A fenced code block whose fence is longer than any backtick run in the content. */
export function fencedBlock(content: string, info = ""): string {
  const longestRun = Math.max(0, ...Array.from(content.matchAll(/`+/g), (match) => match[0].length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}${info}\n${content.endsWith("\n") ? content : `${content}\n`}${fence}`;
}

/** Renders the run as GitHub markdown, trimmed (per-file details first) to at most `maxLength`. */
export function renderSummary(report: Report, options: SummaryOptions): string {
  const files = orderForReading(report.files);
  const head = renderHeader(report, options);
  const tableHead = "| File | Rubric | Result | Score | Iterations |\n| --- | --- | --- | --- | --- |";
  const rows = files.map(renderRow);
  const details = files.map((file) => renderDetails(file, options.revisionState));
  const totals = renderTotals(report);

  const full = joinBlocks([head, [tableHead, ...rows].join("\n"), ...details, totals]);
  if (full.length <= options.maxLength) return full;

  const hint = options.fullReportHint ?? DEFAULT_HINT;
  const total = files.length;
  // Reserve room for the note at its longest (every file left out).
  const note = (left: number): string =>
    `> [!NOTE]\n> Details of ${left} of ${total} files were left out to stay under the ` +
    `${options.maxLength.toLocaleString("en-US")}-character limit. The full report is in ${hint}.`;
  const table = [tableHead, ...rows].join("\n");
  const fixed = joinBlocks([head, table, note(total), totals]).length;
  if (fixed <= options.maxLength) {
    let used = fixed;
    let kept = 0;
    for (const block of details) {
      if (used + block.length + 2 > options.maxLength) break;
      used += block.length + 2;
      kept += 1;
    }
    return joinBlocks([head, table, ...details.slice(0, kept), note(total - kept), totals]);
  }

  // Not even the table fits: keep the rows that do, and say how many are missing.
  const rowsNote = (left: number): string => `| … ${left} more files, see the full report | | | | |`;
  const bare = joinBlocks([head, tableHead + "\n" + rowsNote(total), note(total), totals]).length;
  let used = bare;
  let kept = 0;
  for (const row of rows) {
    if (used + row.length + 1 > options.maxLength) break;
    used += row.length + 1;
    kept += 1;
  }
  const shortTable = [tableHead, ...rows.slice(0, kept), rowsNote(total - kept)].join("\n");
  return hardCap(joinBlocks([head, shortTable, note(total), totals]), options.maxLength);
}

/** Last resort for absurdly small limits: cut, and say so. */
function hardCap(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const suffix = "\n\n… (truncated)";
  if (maxLength <= suffix.length) return text.slice(0, Math.max(0, maxLength));
  return text.slice(0, maxLength - suffix.length) + suffix;
}

function joinBlocks(blocks: string[]): string {
  return blocks.filter((block) => block !== "").join("\n\n") + "\n";
}

const ATTENTION: FileResult[] = [
  "grader_error",
  "failed",
  "max_iterations_reached",
  "needs_revision",
  "interrupted",
];

/** Files that need attention first, then satisfied, then skipped; report order within each group. */
function orderForReading(files: FileReport[]): FileReport[] {
  const rank = (file: FileReport): number =>
    ATTENTION.includes(file.result) ? 0 : file.result === "satisfied" ? 1 : 2;
  return files
    .map((file, position) => ({ file, position }))
    .sort((a, b) => rank(a.file) - rank(b.file) || a.position - b.position)
    .map(({ file }) => file);
}

function gateHeadline(report: Report): string {
  const icon: Record<GateStatus, string> = {
    passed: "✅",
    failed: "❌",
    error: "⚠️",
    config_error: "❌",
    not_graded: "⏭️",
    nothing_to_grade: "⏭️",
  };
  return `${icon[report.gate.status]} ${escapeCell(gateSentence(report.gate), 300)}`;
}

function renderHeader(report: Report, options: SummaryOptions): string {
  const lines = [`### ${escapeCell(options.title ?? "rubric-gate", 100)}: ${gateHeadline(report)}`, ""];
  const counts = (Object.entries(report.gate.counts) as [FileResult, number][])
    .filter(([, count]) => count > 0)
    .map(([result, count]) => `${count} ${RESULT_LABELS[result].replace(/^\S+ /, "")}`);
  const total = report.files.length;
  lines.push(
    `**${total}** file${total === 1 ? "" : "s"}${counts.length > 0 ? `: ${counts.join(" · ")}` : ""}`,
  );
  for (const notice of options.notices ?? []) lines.push("", `> ${escapeProse(notice, 1_000)}`);
  if (report.config_errors.length > 0) {
    lines.push("", "**Configuration errors** (the gate cannot pass until they are fixed):", "");
    for (const error of report.config_errors.slice(0, 50)) {
      lines.push(
        `- ${escapeCell(`${error.file}:${error.line}`, 300)}: ${escapeCell(error.message, REASON_MAX)}` +
          (error.hint ? ` — ${escapeCell(error.hint, REASON_MAX)}` : ""),
      );
    }
    if (report.config_errors.length > 50) lines.push(`- … and ${report.config_errors.length - 50} more`);
  }
  return lines.join("\n");
}

function percent(score: number | null): string {
  return score === null ? "—" : `${Math.round(score * 100)}%`;
}

function renderRow(file: FileReport): string {
  const original = file.iterations.find((iteration) => iteration.kind === "original");
  const originalScore = original?.status === "graded" ? original.score : null;
  const score =
    file.changed && originalScore !== null && originalScore !== file.best_score
      ? `${percent(originalScore)} → ${percent(file.best_score)}`
      : percent(file.best_score ?? originalScore);
  return `| ${escapeCell(file.path, 300)} | ${escapeCell(file.rubric, 200)} | ${RESULT_LABELS[file.result]} | ${score} | ${file.iterations.length} |`;
}

function renderDetails(file: FileReport, revisionState?: (file: FileReport) => string): string {
  const parts: string[] = [
    `<details><summary><b>${escapeHtml(file.path, 300)}</b> — ${RESULT_LABELS[file.result]}` +
      `${file.best_score === null ? "" : ` (${percent(file.best_score)})`}</summary>`,
    "",
    `Rubric: ${escapeCell(file.rubric, 200)}` +
      (file.reason ? `. ${escapeCell(file.reason, REASON_MAX)}` : ""),
  ];
  const iteration = gradedIteration(file);
  if (iteration !== undefined) parts.push("", renderCriteria(iteration));
  if (file.generator_changes && file.generator_changes.length > 0) {
    parts.push("", renderGeneratorChanges(file.generator_changes));
  }
  const changes = renderChanges(file);
  if (changes !== "") parts.push("", changes);
  if (file.changed && file.diff) {
    const diff = safeText(file.diff, DIFF_MAX);
    const state = escapeCell(revisionState?.(file) ?? (file.written ? "written back" : "not committed"), 200);
    parts.push(
      "",
      `**Best revision** (iteration ${file.best_iteration ?? "?"}, ${percent(file.best_score)}, ${state}):`,
      "",
      fencedBlock(diff, "diff"),
    );
    if (diff.length < file.diff.length) parts.push("", "_The diff was cut short; the report has all of it._");
  }
  parts.push("", "</details>");
  return parts.join("\n");
}

function renderCriteria(iteration: IterationReport): string {
  const lines = [
    `Verdicts of iteration ${iteration.index} (${iteration.kind}):`,
    "",
    "| Criterion | Verdict | Advisory | Explanation | Where |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const [id, verdict] of Object.entries(iteration.verdicts)) {
    const unverified = verdict.evidence !== "" && !verdict.evidence_verified;
    const where = verdict.location === null ? "—" : escapeCell(verdict.location, 80);
    const evidence = unverified
      ? `${where} (quote not found in the file: “${escapeCell(verdict.evidence, EVIDENCE_MAX)}”)`
      : where;
    const mark =
      verdict.verdict === "pass"
        ? "✅ pass"
        : verdict.unverified
          ? "❌ fail (unverified evidence)"
          : "❌ fail";
    lines.push(
      `| ${escapeCell(id, 200)} | ${mark} | ` +
        `${verdict.advisory ? "advisory" : ""} | ${escapeCell(verdict.explanation, EXPLANATION_MAX)} | ${evidence} |`,
    );
  }
  return lines.join("\n");
}

/** A generated file is never rewritten (SPEC §9): what its generator must change instead. */
function renderGeneratorChanges(changes: NonNullable<FileReport["generator_changes"]>): string {
  return [
    "**What the generator must change** (a generated file is never rewritten):",
    "",
    ...changes.map(
      (c) =>
        `- ${escapeCell(c.criterion, 100)}${c.advisory ? " (advisory)" : ""}` +
        `${c.location === null ? "" : ` at ${escapeCell(c.location, 80)}`}: ${escapeCell(c.change, EXPLANATION_MAX)}`,
    ),
  ].join("\n");
}

function failing(iteration: IterationReport): Set<string> {
  return new Set(
    Object.entries(iteration.verdicts)
      .filter(([, verdict]) => verdict.verdict === "fail")
      .map(([id]) => id),
  );
}

/** "What changed between iterations": criteria fixed and regressed by each revision. */
function renderChanges(file: FileReport): string {
  if (file.iterations.length < 2) return "";
  const byIndex = new Map(file.iterations.map((iteration) => [iteration.index, iteration]));
  const lines = ["**What changed between iterations**", ""];
  let previousGraded: IterationReport | undefined;
  for (const iteration of file.iterations) {
    if (iteration.kind === "original") {
      if (iteration.status === "graded") previousGraded = iteration;
      continue;
    }
    const label = `- Iteration ${iteration.index}`;
    if (iteration.status !== "graded") {
      const error = iteration.error ? `: ${escapeCell(iteration.error, 300)}` : "";
      lines.push(`${label}: ${iteration.status.replace(/_/g, " ")}${error}`);
      continue;
    }
    const from = iteration.revised_from === null ? undefined : byIndex.get(iteration.revised_from);
    const base = from?.status === "graded" ? from : previousGraded;
    if (base === undefined) {
      lines.push(`${label}: ${percent(iteration.score)}`);
    } else {
      const before = failing(base);
      const after = failing(iteration);
      const fixed = [...before].filter((id) => !after.has(id));
      const regressed = [...after].filter((id) => !before.has(id));
      const list = (ids: string[]): string => ids.map((id) => escapeCell(id, 100)).join(", ");
      const facts = [
        `${percent(base.score)} → ${percent(iteration.score)}`,
        fixed.length > 0 ? `fixed ${list(fixed)}` : "fixed nothing",
        ...(regressed.length > 0 ? [`regressed ${list(regressed)}`] : []),
      ];
      lines.push(`${label} (revision of ${base.index}): ${facts.join("; ")}`);
    }
    previousGraded = iteration;
  }
  return lines.join("\n");
}

function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

function renderTotals(report: Report): string {
  const t = report.totals;
  const n = (value: number): string => value.toLocaleString("en-US");
  const cost = t.cost_usd === null ? "unknown (a model has no known price)" : `$${t.cost_usd.toFixed(4)}`;
  const models = [
    report.judge ? `judge ${escapeCell(report.judge, 100)}` : "",
    report.writer ? `writer ${escapeCell(report.writer, 100)}` : "",
  ].filter((part) => part !== "");
  return [
    `**Totals:** ${n(t.calls)} model calls (${n(t.judge_calls)} judge, ${n(t.writer_calls)} writer) · ` +
      `${n(t.input_tokens)} input tokens (${n(t.cached_input_tokens)} cached) · ${n(t.output_tokens)} output tokens · ` +
      `estimated cost ${cost} · wall time ${formatDuration(t.wall_ms)}`,
    `<sub>rubric-gate ${escapeCell(report.tool.version, 40)}${models.length > 0 ? ` · ${models.join(" · ")}` : ""}</sub>`,
  ].join("\n\n");
}
