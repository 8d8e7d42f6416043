// Writes the published JSON Schemas from their zod schemas (`npm run schema`): the grading report,
// the calibration report and a journal line.
import { writeFileSync } from "node:fs";
import { calibrationJsonSchema } from "../src/calibrate/schema.js";
import { journalJsonSchema } from "../src/report/journal.js";
import { reportJsonSchema } from "../src/report/json-schema.js";

writeFileSync("schema/report.schema.json", JSON.stringify(reportJsonSchema(), null, 2) + "\n");
writeFileSync("schema/calibration.schema.json", JSON.stringify(calibrationJsonSchema(), null, 2) + "\n");
writeFileSync("schema/journal.schema.json", JSON.stringify(journalJsonSchema(), null, 2) + "\n");
