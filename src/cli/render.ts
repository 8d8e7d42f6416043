import type { Plan } from "../engine/plan.js";
import { gateSentence } from "../report/gate.js";
import type { FileReport, Report } from "../report/schema.js";
import type { ConfigProblem, Rubric } from "../rubric/types.js";
import { inlineText } from "../util/redact.js";
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

/** A file or rubric path on one line: a line break in a name is shown, never printed. */
const name = (path: string): string => inlineText(path, 500);
/** A reason or a model's explanation on one line. */
const words = (text: string): string => inlineText(text, 2_000);

/**
 * One progress line as a file finishes. A reason already printed (the same missing key, the same dead
 * endpoint for every file) is not printed again.
 */
export function progressLine(file: FileReport, done: number, total: number, seen?: Set<string>): string {
  const score = file.best_score === null ? "" : ` score ${file.best_score.toFixed(2)}`;
  const revisions = Math.max(0, file.iterations.length - 1);
  let detail = "";
  if ((file.result === "skipped" || file.result === "grader_error") && file.reason) {
    detail = seen?.has(file.reason) ? " (same reason as above)" : ` — ${words(file.reason)}`;
    seen?.add(file.reason);
  }
  const unverified = unverifiedCount(file);
  const revised = revisions ? `, ${revisions} revision${revisions === 1 ? "" : "s"}` : "";
  const flags = unverified ? `, ${unverified} unverified` : "";
  return `[${done}/${total}] ${name(file.path)} (${name(file.rubric)}): ${file.result}${score}${revised}${flags}${detail}`;
}

/** Configuration problems as `file:line: message` with the fix on the next line. */
export function renderProblems(problems: ConfigProblem[]): string {
  return problems
    .map(
      (p) =>
        `${name(p.file)}${p.line > 0 ? `:${p.line}` : ""}: error: ${words(p.message)}\n  fix: ${words(p.hint)}`,
    )
    .join("\n");
}

function unverifiedCount(file: FileReport): number {
  const best = file.iterations[file.best_iteration ?? file.iterations.length - 1];
  return Object.values(best?.verdicts ?? {}).filter((v) => v.unverified === true).length;
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
        ...report.files.map((f) => {
          const unverified = unverifiedCount(f);
          return [
            name(f.path),
            name(f.rubric),
            RESULT_MARK[f.result] + (unverified ? ` (${unverified} unverified)` : ""),
            f.best_score === null ? "-" : f.best_score.toFixed(2),
            String(f.iterations.length),
          ];
        }),
      ]),
    );
  }
  // Files without verdicts that share one reason (a dead endpoint, a missing key) are listed once.
  const byReason = new Map<string, FileReport[]>();
  for (const file of report.files) {
    if (file.result === "satisfied") continue;
    const best = file.iterations[file.best_iteration ?? file.iterations.length - 1];
    const failing = Object.entries(best?.verdicts ?? {}).filter(([, v]) => v.verdict === "fail");
    if (!failing.length) {
      if (file.reason) byReason.set(file.reason, [...(byReason.get(file.reason) ?? []), file]);
      continue;
    }
    const reason = file.reason ? `: ${words(file.reason)}` : "";
    out.push("", `${name(file.path)} — ${file.result}${reason}`);
    for (const [id, v] of failing) {
      // path:line: at the start of the line, so that editors and terminals can jump to the evidence.
      const at =
        v.line === null && v.location !== null
          ? `${name(file.path)} (${name(v.location)})`
          : `${name(file.path)}:${v.line ?? 1}`;
      const unverified = v.unverified
        ? " (UNVERIFIED: the judge passed it with a quote that is not in the file)"
        : v.evidence && !v.evidence_verified
          ? " (evidence not found in the file)"
          : "";
      const votes = v.votes
        ? ` (${v.uncertain ? "uncertain, " : ""}votes ${v.votes.pass} pass / ${v.votes.fail} fail)`
        : "";
      out.push(
        `${at}: ${v.advisory ? "warning" : "fail"} ${id}${votes}: ${words(v.explanation)}${unverified}`,
      );
    }
  }
  for (const [reason, files] of byReason) {
    const [first] = files;
    if (!first) continue;
    const who =
      files.length === 1
        ? name(first.path)
        : `${files.length} files (${files
            .slice(0, 3)
            .map((f) => name(f.path))
            .join(", ")}${files.length > 3 ? ", …" : ""})`;
    out.push("", `${who} — ${first.result}: ${words(reason)}`);
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
  if (g.unverified > 0) {
    out.push(
      `${g.unverified} verdict(s) failed as UNVERIFIED: the judge quoted text that is not in the file.`,
    );
  }
  if (g.ungraded.length > 0) {
    out.push(`Not graded: ${g.ungraded.map((u) => `${name(u.path)} (${words(u.reason)})`).join("; ")}`);
  }
  out.push(`Gate: ${gateSentence(g)}${g.exit_code === 0 ? "" : ` (exit ${g.exit_code})`}`);
  return out.join("\n");
}

/** The dry run's table: which rubric grades which file, prompt sizes and the estimate. */
export function renderPlan(plan: Plan): string {
  const rows = [
    ["FILE", "RUBRIC", "CRITERIA", "PROMPT CHARS", "~IN TOKENS", "~OUT TOKENS", "NOTE"],
    ...plan.entries.map((e) => [
      name(e.path),
      name(e.rubric),
      String(e.criteria),
      String(e.promptChars),
      String(e.inputTokens),
      String(e.outputTokens),
      e.skipped ? `skipped: ${words(e.skipped)}` : (e.judge ?? "no judge configured"),
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
    ...plan.warnings.map((warning) => `warning: ${words(warning)}`),
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
      `${name(r.path)} — ${r.criteria.length} criteria; files: ${words(r.files.join(", "))}; max_iterations ${r.maxIterations}`,
    );
    for (const c of r.criteria) {
      out.push(`  ${c.advisory ? "[advisory] " : ""}${c.id}  (line ${c.line})  ${words(c.text)}`);
    }
  }
  return out.join("\n");
}
