import type { FileReport, Report } from "./schema.js";
import { gradedIteration } from "./select.js";
import { safeText } from "../util/redact.js";
import type { CheckAnnotation } from "../ports/github.js";

export type { CheckAnnotation } from "../ports/github.js";

/** GitHub accepts at most this many annotations per check-run request. */
export const ANNOTATIONS_PER_REQUEST = 50;

const MESSAGE_MAX = 1_000;
const TITLE_MAX = 255;
const RAW_DETAILS_MAX = 2_000;

export interface AnnotationOptions {
  /**
   * Which version's verdicts to annotate. `best` (default) is the delivered version; use `original`
   * when the revision is not at the annotated SHA (suggestions, generated files), since evidence lines
   * refer to the version that was graded.
   */
  version?: "best" | "original";
}

const FILE_LEVEL_RESULTS: Partial<Record<FileReport["result"], string>> = {
  grader_error: "The judge could not grade this file",
  failed: "The rubric does not apply to this file",
  interrupted: "Grading of this file was interrupted",
};

/** Check-run annotations for a report: one per failing criterion, one per file that could not be graded. */
export function buildAnnotations(report: Report, options: AnnotationOptions = {}): CheckAnnotation[] {
  const annotations: CheckAnnotation[] = [];
  for (const file of report.files) {
    const fileLevel = FILE_LEVEL_RESULTS[file.result];
    if (fileLevel !== undefined) {
      annotations.push({
        path: file.path,
        start_line: 1,
        end_line: 1,
        annotation_level: "failure",
        title: safeText(`rubric-gate: ${file.result}`, TITLE_MAX),
        message: safeText(
          `${fileLevel} (rubric ${file.rubric})${file.reason ? `: ${file.reason}` : "."}`,
          MESSAGE_MAX,
        ),
      });
    }
    // A rubric that does not apply makes its verdicts noise; skipped files have none.
    if (file.result === "failed" || file.result === "skipped") continue;
    const iteration = gradedIteration(file, options.version);
    if (iteration === undefined) continue;
    for (const [id, verdict] of Object.entries(iteration.verdicts)) {
      if (verdict.verdict !== "fail") continue;
      const line = verdict.line ?? 1;
      const unverified = verdict.evidence !== "" && !verdict.evidence_verified;
      const explanation = verdict.explanation.trim() === "" ? "Criterion not met." : verdict.explanation;
      const annotation: CheckAnnotation = {
        path: file.path,
        start_line: line,
        end_line: line,
        annotation_level: verdict.advisory ? "warning" : "failure",
        title: safeText(
          `${id}: fail${verdict.unverified ? " (unverified evidence)" : ""}${verdict.advisory ? " (advisory)" : ""}`,
          TITLE_MAX,
        ),
        message: safeText(
          [
            explanation,
            ...(verdict.line === null && verdict.location !== null ? [`(at ${verdict.location})`] : []),
            ...(unverified ? ["(The judge's quote was not found in the file.)"] : []),
          ].join("\n"),
          MESSAGE_MAX,
        ),
      };
      if (verdict.evidence !== "") {
        annotation.raw_details = safeText(
          `Evidence${unverified ? " (unverified)" : ""}: ${verdict.evidence}\nRubric: ${file.rubric}`,
          RAW_DETAILS_MAX,
        );
      }
      annotations.push(annotation);
    }
  }
  return annotations;
}

/** Splits items into consecutive groups of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
