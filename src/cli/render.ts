import type { Plan } from "../engine/plan.js";
import type { FileReport, Report } from "../report/schema.js";
import type { ConfigProblem, Rubric } from "../rubric/types.js";
import { safeText } from "../util/redact.js";
import { textTable } from "../util/text-table.js";

const RESULT_MARK: Record<FileReport["result"], string> = {
  satisfied: "✔ satisfied",
  needs_revision: "✘ needs_revision",
  max_iterations_reached: "✘ max_iterations_reached",
  failed: "✘ failed",
  grader_error: "! grader_error",
  interrupted: "! interrupted",
  skipped: "- skipped",
};

/** One progress line as a file finishes. */
export function progressLine(file: FileReport, done: number, total: number): string {
  const score = file.best_score === null ? "" : ` score ${file.best_score.toFixed(2)}`;
  const revisions = Math.max(0, file.iterations.length - 1);
  const detail =
    file.result === "skipped" || file.result === "grader_error"
      ? ` — ${safeText(file.reason ?? "", 2_000)}`
      : "";
  const revised = revisions ? `, ${revisions} revision${revisions === 1 ? "" : "s"}` : "";
  return `[${done}/${total}] ${safeText(file.path, 500)} (${file.rubric}): ${file.result}${score}${revised}${detail}`;
}

/** Configuration problems as `file:line: message` with the fix on the next line. */
export function renderProblems(problems: ConfigProblem[]): string {
  return problems
    .map((p) => `${p.file}${p.line > 0 ? `:${p.line}` : ""}: error: ${p.message}\n  fix: ${p.hint}`)
    .join("\n");
}

/** The readable end-of-run summary: a table of files, the failing criteria, totals and the gate. */
export function renderReport(report: Report): string {
  const out: string[] = [];
  if (report.config_errors.length) {
    out.push(renderProblems(report.config_errors), "", "Configuration errors: nothing was graded.");
  }
  if (report.files.length) {
    out.push(
      textTable([
        ["FILE", "RUBRIC", "RESULT", "SCORE", "ITER"],
        ...report.files.map((f) => [
          safeText(f.path, 500),
          f.rubric,
          RESULT_MARK[f.result],
          f.best_score === null ? "-" : f.best_score.toFixed(2),
          String(f.iterations.length),
        ]),
      ]),
    );
  }
  for (const file of report.files) {
    if (file.result === "satisfied") continue;
    const best = file.iterations[file.best_iteration ?? file.iterations.length - 1];
    const failing = Object.entries(best?.verdicts ?? {}).filter(([, v]) => v.verdict === "fail");
    if (!failing.length && !file.reason) continue;
    // Model output and file names are data: redacted, without control or bidi characters.
    const reason = file.reason ? `: ${safeText(file.reason, 2_000)}` : "";
    out.push("", `${safeText(file.path, 500)} — ${file.result}${reason}`);
    for (const [id, v] of failing) {
      const at = v.line ? `:${v.line}` : "";
      const unverified = v.evidence && !v.evidence_verified ? " (evidence not found in the file)" : "";
      const votes = v.votes
        ? ` (${v.uncertain ? "uncertain, " : ""}votes ${v.votes.pass} pass / ${v.votes.fail} fail)`
        : "";
      out.push(
        `  ${v.advisory ? "warning" : "fail"} ${id}${at}${votes}: ${safeText(v.explanation, 2_000)}${unverified}`,
      );
    }
  }
  const t = report.totals;
  const cost =
    t.cost_usd === null ? "cost unknown (model not in the price table)" : `~$${t.cost_usd.toFixed(4)}`;
  out.push(
    "",
    `${t.files} file(s), ${t.calls} model call(s) (${t.judge_calls} judge, ${t.writer_calls} writer), ` +
      `${t.input_tokens} input + ${t.output_tokens} output tokens (${t.cached_input_tokens} cached), ${cost}, ${(t.wall_ms / 1000).toFixed(1)} s`,
  );
  if (t.cached_grades) out.push(`${t.cached_grades} grade(s) came from the verdict cache (no model call).`);
  const interrupted = report.files.filter((f) => f.result === "interrupted").length;
  if (interrupted) out.push(`${interrupted} file(s) interrupted before grading finished (reasons above).`);
  const g = report.gate;
  out.push(g.passed ? "Gate: PASSED" : `Gate: FAILED (exit ${g.exit_code})`);
  return out.join("\n");
}

/** The dry run's table: which rubric grades which file, prompt sizes and the estimate. */
export function renderPlan(plan: Plan): string {
  const rows = [
    ["FILE", "RUBRIC", "CRITERIA", "PROMPT CHARS", "~IN TOKENS", "~OUT TOKENS", "NOTE"],
    ...plan.entries.map((e) => [
      e.path,
      e.rubric,
      String(e.criteria),
      String(e.promptChars),
      String(e.inputTokens),
      String(e.outputTokens),
      e.skipped ? `skipped: ${e.skipped}` : (e.judge ?? "no judge configured"),
    ]),
  ];
  const graded = plan.entries.filter((e) => !e.skipped).length;
  const cost =
    plan.costUsd === null
      ? "cost unknown (no judge, or a model not in the price table)"
      : `~$${plan.costUsd.toFixed(4)}`;
  return [
    textTable(rows),
    "",
    `Dry run: ${graded} file(s) to grade, ${plan.entries.length - graded} skipped; no model was called.`,
    `Iteration 0 (${judgeCallsText(plan)}): ~${plan.inputTokens} input + ~${plan.outputTokens} output tokens, ${cost}.`,
    "Each revision (--revise) adds one writer call and one judge call per file, up to the rubric's max_iterations.",
  ].join("\n");
}

function judgeCallsText(plan: Plan): string {
  const calls = new Set(plan.entries.filter((e) => !e.skipped).map((e) => Math.max(1, e.judgeCalls)));
  const [only] = calls;
  if (calls.size > 1) return "judge calls per file vary with the rubric's judge";
  return only === undefined || only === 1 ? "one judge call per file" : `${only} judge calls per file`;
}

/** `check-rubrics`: every rubric with its criteria and ids. */
export function renderRubrics(rubrics: Rubric[]): string {
  const out: string[] = [];
  for (const r of rubrics) {
    out.push(
      `${r.path} — ${r.criteria.length} criteria; files: ${r.files.join(", ")}; max_iterations ${r.maxIterations}`,
    );
    for (const c of r.criteria) {
      out.push(`  ${c.advisory ? "[advisory] " : ""}${c.id}  (line ${c.line})  ${c.text}`);
    }
  }
  return out.join("\n");
}
