import { decideGate } from "./gate.js";
import type { FileReport, IterationReport, Report } from "./schema.js";

/**
 * The report as it holds at a commit that contains only the revisions of `applied`: every other
 * revised file is there as it was graded, so its verdicts, result and score are the original's. The
 * check run of a commit, and its annotations' lines, must describe that commit's content.
 */
export function reportAt(
  report: Report,
  applied: ReadonlySet<string>,
  why: (file: FileReport) => string = () => "the revision is not in this commit",
): Report {
  const files = report.files.map((file): FileReport => {
    if (!file.changed || applied.has(file.path)) return file;
    const original = originalIteration(file);
    if (original === undefined) return file;
    return {
      ...file,
      result: original.passed ? "satisfied" : "needs_revision",
      reason: why(file),
      best_iteration: original.index,
      best_score: original.score,
      changed: false,
      diff: null,
      written: false,
    };
  });
  return { ...report, gate: decideGate(files, report.config_errors.length), files };
}

/** Ids of the criteria the delivered (best) version passes and the original failed. */
export function fixedCriteria(file: FileReport): string[] {
  const original = originalIteration(file);
  const best = file.iterations.find((i) => i.index === file.best_iteration && i.status === "graded");
  if (original === undefined || best === undefined) return [];
  return Object.entries(original.verdicts)
    .filter(([id, verdict]) => verdict.verdict === "fail" && best.verdicts[id]?.verdict === "pass")
    .map(([id]) => id);
}

function originalIteration(file: FileReport): IterationReport | undefined {
  return file.iterations.find((i) => i.kind === "original" && i.status === "graded");
}
