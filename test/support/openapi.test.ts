import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { TRIMMED_OPENAPI_PATH, trimOpenApi } from "../support/github/openapi-trim.js";

describe("the trimmed GitHub OpenAPI description", () => {
  it("equals a fresh trim of the installed @octokit/openapi (run `npm run openapi` when it does not)", async () => {
    const committed = JSON.parse(await readFile(TRIMMED_OPENAPI_PATH, "utf8")) as unknown;
    expect(committed).toEqual(await trimOpenApi());
  }, 60_000);
});
