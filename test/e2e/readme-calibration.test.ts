// The README's worked calibration example is real: this repository's rubrics/docs.md and its labeled
// examples in rubrics/docs.examples/, calibrated through the real SDK against a scripted judge that is
// lenient on `names-limits`. The output the README shows must be what the command prints.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { contains, scripted, verdictsFor, type Rule } from "../support/scripted.js";
import { cli } from "../support/workspace.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

const RULES: Record<string, Rule> = {
  "states-scope": contains("It is for"),
  "fenced-examples": contains("```sh"),
  "has-example": contains("rubric-gate "),
  "names-limits": (artifact) => /Limits|discarded|exits 2/.exec(artifact)?.[0] ?? false,
  sectioned: contains("\n## "),
  "next-step": (artifact) => /\]\([^)]+\)/.exec(artifact)?.[0] ?? false,
};

/** A judge that reads the docs rubric sensibly, except that it takes "exits 2" for a named limit. */
const LENIENT = scripted({
  judge: (_req, ids, artifact) => {
    const answer = verdictsFor(ids, artifact, RULES);
    const limits = answer.criteria["names-limits"];
    if (limits?.evidence === "exits 2") {
      limits.explanation = "Names a failure case: the command exits 2 when a rubric has a problem.";
    }
    return { json: answer };
  },
});

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer(LENIENT);
});
afterAll(async () => {
  await server.close();
});

/** The fenced block that follows a marker comment in the README. */
function readmeBlock(marker: string): string {
  const at = README.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`README has no <!-- ${marker} --> marker`);
  const block = /```\w*\n([\s\S]*?)\n```/.exec(README.slice(at));
  if (!block?.[1]) throw new Error(`no fenced block after <!-- ${marker} -->`);
  return block[1];
}

it("the README's calibrate command prints the output the README shows", async () => {
  const command = readmeBlock("calibrate-command").trim();
  expect(command).toBe(
    "rubric-gate calibrate rubrics/docs.md --judge openai:gpt-4.1 --min-kappa 0.6 --max-false-pass 0.1",
  );
  const argv = command.split(/\s+/).slice(1);
  const run = await cli(argv, REPO, { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL });
  expect(run.code).toBe(1);
  // Token counts depend on prompt sizes; the README shows the line, the test does not pin its numbers.
  const tokens = /^\d+ judge call\(s\), \d+ input \+ \d+ output tokens, .*$/m;
  expect(run.stdout).toMatch(tokens);
  expect(run.stdout.trimEnd().replace(tokens, "TOKENS")).toBe(
    readmeBlock("calibrate-output").replace(tokens, "TOKENS"),
  );
});
