// Writes the published JSON Schema of the report from its zod schema (`npm run schema`).
import { writeFileSync } from "node:fs";
import { reportJsonSchema } from "../src/report/json-schema.js";

writeFileSync("schema/report.schema.json", JSON.stringify(reportJsonSchema(), null, 2) + "\n");
