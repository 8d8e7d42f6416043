import { FILE_RESULTS, type FileReport, type FileResult, type Report } from "../report/schema.js";

/**
 * The gate (SPEC §4, §6): it passes only when there is no configuration error and every graded file is
 * `satisfied`. Exit code: 2 configuration error, 3 the judge could not be used, 1 failed, 0 passed.
 */
export function computeGate(files: FileReport[], configErrors: number): Report["gate"] {
  const counts = Object.fromEntries(FILE_RESULTS.map((r) => [r, 0])) as Record<FileResult, number>;
  for (const file of files) counts[file.result]++;
  const graded = files.filter((f) => f.result !== "skipped");
  const passed = configErrors === 0 && graded.every((f) => f.result === "satisfied");
  const exit_code = configErrors > 0 ? 2 : counts.grader_error > 0 ? 3 : passed ? 0 : 1;
  return { passed, exit_code, counts };
}
