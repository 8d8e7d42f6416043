import { FILE_RESULTS, type FileReport, type FileResult, type Gate, type GateStatus } from "./schema.js";
import { gradedIteration } from "./select.js";

const EXIT_CODES: Record<GateStatus, Gate["exit_code"]> = {
  passed: 0,
  nothing_to_grade: 0,
  failed: 1,
  not_graded: 1,
  config_error: 2,
  error: 3,
};

/**
 * The gate (SPEC §4–6), decided here and nowhere else: every output — the CLI's last line and exit
 * code, the check's conclusion and title, the summary, the Action's outputs — is rendered from it.
 * It passes only when at least one file was graded, every graded file is `satisfied`, and nothing
 * broke; files that were matched but not graded are listed, so a pass with them is never a plain one.
 */
export function decideGate(files: readonly FileReport[], configErrors: number): Gate {
  const counts = Object.fromEntries(FILE_RESULTS.map((r) => [r, 0])) as Record<FileResult, number>;
  for (const file of files) counts[file.result]++;
  const skipped = files.filter((file) => file.result === "skipped");
  const graded = files.filter((file) => file.result !== "skipped");
  const noJudge = skipped.some((file) => file.skip_kind === "no_judge");

  const status: GateStatus =
    configErrors > 0
      ? "config_error"
      : counts.grader_error > 0 || noJudge
        ? "error"
        : graded.some((file) => file.result !== "satisfied")
          ? "failed"
          : graded.length > 0
            ? "passed"
            : skipped.length > 0
              ? "not_graded"
              : "nothing_to_grade";

  let advisoryFailures = 0;
  let unverified = 0;
  for (const file of graded) {
    for (const verdict of Object.values(gradedIteration(file)?.verdicts ?? {})) {
      if (verdict.verdict === "fail" && verdict.advisory) advisoryFailures++;
      if (verdict.unverified === true) unverified++;
    }
  }
  return {
    passed: status === "passed" || status === "nothing_to_grade",
    status,
    exit_code: EXIT_CODES[status],
    counts,
    ungraded: skipped.map((file) => ({
      path: file.path,
      rubric: file.rubric,
      reason: file.reason ?? "not graded",
    })),
    advisory_failures: advisoryFailures,
    unverified,
  };
}

/** The gate in one line, the same words for the terminal, the check's title and the summary. */
export function gateSentence(gate: Gate): string {
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? "" : "s"}`;
  const graded = Object.entries(gate.counts)
    .filter(([result]) => result !== "skipped")
    .reduce((sum, [, count]) => sum + count, 0);
  const notGraded = gate.ungraded.length > 0 ? `; ${n(gate.ungraded.length, "matched file")} NOT graded` : "";
  switch (gate.status) {
    case "passed":
      return `PASSED: ${n(graded, "graded file")} satisfied ${graded === 1 ? "its rubric" : "their rubrics"}${notGraded}`;
    case "nothing_to_grade":
      return "nothing to grade: no file is matched by a rubric";
    case "not_graded":
      return `NOT PASSED: nothing was graded${notGraded}`;
    case "failed": {
      const failing = failingFiles(gate);
      return `FAILED: ${n(failing, "graded file")} of ${graded} did not satisfy ${failing === 1 ? "its rubric" : "their rubrics"}${notGraded}`;
    }
    case "error": {
      const errors = gate.counts.grader_error;
      const parts = [
        ...(errors > 0 ? [`the judge could not grade ${n(errors, "file")}`] : []),
        ...(gate.ungraded.length > 0 ? [`${n(gate.ungraded.length, "matched file")} NOT graded`] : []),
      ];
      return `FAILED: ${parts.join("; ")}`;
    }
    case "config_error":
      return "FAILED: configuration errors, nothing was graded";
  }
}

/** Graded files that were judged and did not satisfy their rubric (errors and skips aside). */
export function failingFiles(gate: Gate): number {
  const { counts } = gate;
  return counts.needs_revision + counts.max_iterations_reached + counts.failed + counts.interrupted;
}
