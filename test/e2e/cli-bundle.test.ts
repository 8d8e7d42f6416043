// The committed bundle, run as a user would run it: `node dist/cli/index.js`, through the real SDK.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { contains, scripted } from "../support/scripted.js";
import { makeWorkspace } from "../support/workspace.js";

const run = promisify(execFile);
const BUNDLE = fileURLToPath(new URL("../../dist/cli/index.js", import.meta.url));

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer(
    scripted({ judge: { title: contains("# "), install: contains("## Install") } }),
  );
});
afterAll(async () => {
  await server.close();
});

it("dist/cli/index.js grades a file through the OpenAI SDK and exits with the gate's code", async () => {
  const ws = await makeWorkspace({
    "rubrics/page.md":
      "---\nfiles: ['*.md']\ndescription: A page.\n---\n\n- Has a title. {#title}\n- Has an Install section. {#install}\n",
    "good.md": "# Good\n\n## Install\n",
    "bad.md": "# Bad\n",
  });
  const env = { PATH: process.env.PATH, OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL };
  const failing = await run("node", [BUNDLE, "grade", "--judge", "openai:gpt-4.1", "--json"], {
    cwd: ws.root,
    env,
  }).then(
    () => {
      throw new Error("expected exit code 1");
    },
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );
  expect(failing.code).toBe(1);
  const report = JSON.parse(failing.stdout) as { files: Array<{ path: string; result: string }> };
  assertValidReport(report);
  expect(report.files.map((f) => [f.path, f.result])).toEqual([
    ["bad.md", "needs_revision"],
    ["good.md", "satisfied"],
  ]);
  expect(failing.stderr).toContain("[1/2]");
  expect(failing.stderr).toContain("[2/2]");

  const passing = await run("node", [BUNDLE, "grade", "good.md", "--judge", "openai:gpt-4.1"], {
    cwd: ws.root,
    env,
  });
  expect(passing.stdout).toContain("Gate: PASSED");
  await ws.cleanup();
});

it("dist/cli/index.js renders every generated format, PDF.js included (a chunk of its own)", async () => {
  const fixtures = fileURLToPath(new URL("../fixtures/office/", import.meta.url));
  for (const [file, expected] of [
    ["libreoffice-model.xlsx", "Assumptions!B4 = 4.0% (0.04) [formula =B3*2]"],
    ["libreoffice-report.docx", "(paragraph 2) The outage lasted 42 minutes on 2026-11-03."],
    ["libreoffice-deck.pptx", "## slide 2"],
    ["libreoffice-report.pdf", "## page 1\nIncident review"],
  ] as const) {
    const { stdout, stderr } = await run(process.execPath, [BUNDLE, "render", file], { cwd: fixtures });
    expect(stdout).toContain(expected);
    expect(stderr).toBe("");
  }
});
