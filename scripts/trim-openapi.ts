// Writes the trimmed GitHub OpenAPI description the local GitHub server validates against
// (`npm run openapi`): run it after upgrading @octokit/openapi or implementing another operation.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { TRIMMED_OPENAPI_PATH, trimOpenApi } from "../test/support/github/openapi-trim.js";

const trimmed = await trimOpenApi();
mkdirSync(dirname(TRIMMED_OPENAPI_PATH), { recursive: true });
writeFileSync(TRIMMED_OPENAPI_PATH, JSON.stringify(trimmed) + "\n");
console.log(
  `${TRIMMED_OPENAPI_PATH}: ${Object.keys(trimmed.paths).length} paths from ${trimmed.source.package} ${trimmed.source.version}`,
);
