import type { FileReport, IterationReport } from "./schema.js";

/** The iteration whose verdicts describe a file: its best, else the last graded one. */
export function gradedIteration(
  file: FileReport,
  version: "best" | "original" = "best",
): IterationReport | undefined {
  const graded = file.iterations.filter((iteration) => iteration.status === "graded");
  if (version === "original") return graded.find((iteration) => iteration.kind === "original");
  const best = file.best_iteration === null ? undefined : graded.find((i) => i.index === file.best_iteration);
  return best ?? graded.at(-1);
}
