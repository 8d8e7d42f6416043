import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";

const schema = JSON.parse(
  readFileSync(new URL("../../schema/report.schema.json", import.meta.url), "utf8"),
) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

/** Validates a report against the published JSON Schema (not the zod schema it was generated from). */
export function assertValidReport(report: unknown): void {
  if (!validate(report)) {
    throw new Error(
      `report does not match schema/report.schema.json: ${JSON.stringify(validate.errors?.slice(0, 5))}`,
    );
  }
}
