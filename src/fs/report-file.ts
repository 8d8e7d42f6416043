import { readFile } from "node:fs/promises";
import { ReportSchema, type Report } from "../report/schema.js";

/**
 * Reads a grading report written by `grade --report`: the parsed report, or why it is not one (not
 * readable, not JSON, or where it does not fit `schema/report.schema.json`), for the caller's message.
 */
export async function readReportFile(
  path: string,
): Promise<{ ok: true; report: Report } | { ok: false; why: string }> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    return {
      ok: false,
      why: error instanceof SyntaxError ? `it is not JSON (${error.message})` : (error as Error).message,
    };
  }
  const parsed = ReportSchema.safeParse(document);
  if (parsed.success) return { ok: true, report: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    why: `not a rubric-gate report: at ${issue?.path.map(String).join(".") || "the top level"}, ${issue?.message ?? "invalid"}`,
  };
}
