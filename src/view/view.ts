import { CalibrationReportSchema } from "../calibrate/schema.js";
import { ReportSchema } from "../report/schema.js";
import { calibrationPage } from "./calibration-page.js";
import { reportPage } from "./report-page.js";

export type Viewed =
  { ok: true; kind: "report" | "calibration"; html: string; files: number } | { ok: false; message: string };

/**
 * The page for a parsed JSON document: a grading report (`grade --report`) or a calibration report
 * (`calibrate --report`). Anything else is refused with where it does not fit the schema.
 */
export function viewOf(document: unknown): Viewed {
  const isCalibration =
    typeof document === "object" &&
    document !== null &&
    (document as { kind?: unknown }).kind === "calibration";
  const parsed = isCalibration
    ? CalibrationReportSchema.safeParse(document)
    : ReportSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? issue.path.map(String).join(".") : "the top level";
    const schema = isCalibration ? "schema/calibration.schema.json" : "schema/report.schema.json";
    return {
      ok: false,
      message: `not a rubric-gate ${isCalibration ? "calibration " : ""}report: at ${at}, ${issue?.message ?? "invalid"} (it must match ${schema}: write it with \`rubric-gate ${isCalibration ? "calibrate" : "grade"} --report FILE\`)`,
    };
  }
  if ("kind" in parsed.data) {
    return {
      ok: true,
      kind: "calibration",
      html: calibrationPage(parsed.data),
      files: parsed.data.examples.length,
    };
  }
  return { ok: true, kind: "report", html: reportPage(parsed.data), files: parsed.data.files.length };
}
