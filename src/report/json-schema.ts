import { z } from "zod";
import { ReportSchema } from "./schema.js";

/** The report's JSON Schema (draft 2020-12), as published in `schema/report.schema.json`. */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://github.com/rubric-gate/rubric-gate/schema/report.schema.json",
    title: "rubric-gate report",
    ...z.toJSONSchema(ReportSchema, { target: "draft-2020-12", io: "output" }),
  };
}
