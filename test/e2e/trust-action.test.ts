// Trust holes in the Action (classes 3–6, 11), through the built bundle as the runner runs it, against
// the OpenAPI-checking GitHub stand-in and the local model server: the runner log cannot be forged, no
// file is read through a link, unverified evidence and an ungraded run say so everywhere, and the
// summary's notices keep their code spans.
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { runAction, webhookExample, type ActionRun } from "../support/action-runner.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { requestText, startModelServer, type ModelServer } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { contains, scripted, verdictsFor } from "../support/scripted.js";
import { dcfWorkbook } from "../support/office.js";
import { makeWorkspace } from "../support/workspace.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const RUBRIC = `---
files:
  - docs/**
description: A user guide page.
---

- Has an Install section. {#install}
- Has a Usage section. {#usage}
`;
const RULES = { install: contains("## Install"), usage: contains("## Usage") };

let github: GitHubServer | undefined;
let models: ModelServer | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await github?.close();
  await models?.close();
  github = undefined;
  models = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function pushRun(
  files: Record<string, string | Uint8Array>,
  options: {
    checksWritable?: boolean;
    setup?: (root: string) => Promise<void>;
    github?: (server: GitHubServer) => void;
    expectReport?: boolean;
    rubric?: string;
  } = {},
): Promise<{ run: ActionRun; report: Report }> {
  const ws = await makeWorkspace({ "rubrics/guide.md": options.rubric ?? RUBRIC, ...files });
  cleanups.push(() => ws.cleanup());
  await options.setup?.(ws.root);
  github = await startGitHubServer({
    owner: OWNER,
    repo: REPO,
    ...(options.checksWritable === undefined ? {} : { checksWritable: options.checksWritable }),
  });
  options.github?.(github);
  const payload = webhookExample("push");
  payload["after"] = SHA;
  payload["ref"] = "refs/heads/main";
  const run = await runAction({
    eventName: "push",
    payload,
    repository: `${OWNER}/${REPO}`,
    sha: SHA,
    workspace: ws.root,
    apiUrl: github.url,
    inputs: {
      judge: "openai:gpt-4.1",
      "openai-api-key": "sk-test-not-a-real-key-000",
      "openai-base-url": models!.openaiBaseURL,
    },
  });
  expect(github.violations).toEqual([]);
  const report = JSON.parse(run.outputs["report"] ?? "null") as Report;
  if (options.expectReport !== false) assertValidReport(report);
  return { run, report };
}

describe("the runner log cannot be forged (class 5)", () => {
  it("file names and the judge's words with line breaks, workflow commands and a token reach the log inert", async () => {
    models = await startModelServer(
      scripted({
        judge: (_req, ids) => ({
          json: {
            criteria: Object.fromEntries(
              ids.map((id) => [
                id,
                {
                  evidence: "",
                  explanation: `missing\n::warning::forged by the judge\n::add-mask::pwned ${TOKEN}`,
                  verdict: "fail",
                },
              ]),
            ),
            applicable: true,
            summary: "\n::stop-commands::pwned",
          },
        }),
      }),
    );
    const { run } = await pushRun(
      { "docs/evil\n::error file=README.md::forged by a file name\n.md": "# Evil\n" },
      // Without checks: write the annotations go to the log as workflow commands: the worst case.
      { checksWritable: false },
    );
    const log = run.stdout + run.stderr;
    const starts = log.split("\n").filter((line) => /^\s*::/.test(line));
    // Every workflow command in the log is the Action's own, one per line; none begins with forged text.
    for (const line of starts)
      expect(line).not.toMatch(
        /^\s*::(error file=README\.md|warning|add-mask|stop-commands)::(forged|pwned)/,
      );
    expect(log).not.toContain("\n::error file=README.md::forged");
    expect(log).not.toContain("\n::warning::forged");
    expect(log).not.toContain("\n::stop-commands::pwned");
    expect(log).not.toContain(TOKEN);
    // The name is there, on one line.
    expect(log).toContain("docs/evil⏎::error file=README.md::forged by a file name⏎.md");
    expect(run.code).toBe(1);
  });
});

describe("no file is read through a link (class 4)", () => {
  it("a link inside the workspace is skipped with the reason, and its target is never sent", async () => {
    models = await startModelServer(scripted({ judge: RULES }));
    const { run, report } = await pushRun(
      { "docs/guide.md": "# Guide\n\n## Install\n\n## Usage\n\nLINKED-TARGET-CONTENT\n" },
      {
        setup: async (root) => {
          await symlink("guide.md", join(root, "docs/alias.md"));
        },
      },
    );
    const alias = report.files.find((f) => f.path === "docs/alias.md");
    expect(alias).toMatchObject({ result: "skipped", skip_kind: "unreadable" });
    expect(alias?.reason).toMatch(/reads no file through a link/);
    expect(models.requests.filter((r) => requestText(r).includes("LINKED-TARGET-CONTENT"))).toHaveLength(1);
    // Graded and satisfied, with one file not graded: the summary never says a plain pass.
    expect(run.summary).toContain("PASSED: 1 graded file satisfied its rubric; 1 matched file NOT graded");
    expect(run.outputs["result"]).toBe("passed");
  });
});

describe("one decision, every output (classes 3 and 6)", () => {
  it("unverified evidence: the annotation, the summary and the report all say it, and the check fails", async () => {
    models = await startModelServer(
      scripted({
        judge: (_req, ids, artifact) => {
          const answer = verdictsFor(ids, artifact, RULES);
          answer.criteria["usage"] = {
            evidence: "## Usage examples",
            explanation: "Has one.",
            verdict: "pass",
          };
          return { json: answer };
        },
      }),
    );
    const { run, report } = await pushRun({ "docs/guide.md": "# Guide\n\n## Install\n" });
    expect(report.files[0]!.iterations[0]!.verdicts["usage"]).toMatchObject({
      verdict: "fail",
      unverified: true,
    });
    const check = github!.state.checkRuns[0]!;
    expect(check.conclusion).toBe("failure");
    expect(check.annotations.map((a) => a.title)).toContain("usage: fail (unverified evidence)");
    expect(check.output.summary).toContain("❌ fail (unverified evidence)");
    expect(run.summary).toContain("❌ fail (unverified evidence)");
    expect(run.outputs["result"]).toBe("failed");
    expect(run.code).toBe(1);
  });

  it("every matched file skipped: a neutral check that says nothing was graded, never a pass", async () => {
    models = await startModelServer(scripted({ judge: RULES }));
    const { run, report } = await pushRun({ "docs/logo.png": new Uint8Array([0x89, 0x50, 0, 0, 1]) });
    expect(report.gate).toMatchObject({ passed: false, status: "not_graded" });
    const check = github!.state.checkRuns[0]!;
    expect(check.conclusion).toBe("neutral");
    expect(check.output.title).toBe("NOT PASSED: nothing was graded; 1 matched file NOT graded");
    expect(run.summary).not.toContain("✅");
    expect(run.outputs["result"]).toBe("skipped");
    expect(models.requests).toEqual([]);
  });

  it("without checks: write, the summary's notice keeps its code span (no literal backslash-backticks)", async () => {
    models = await startModelServer(scripted({ judge: RULES }));
    const { run } = await pushRun(
      { "docs/guide.md": "# Guide\n\n## Install\n\n## Usage\n" },
      { checksWritable: false },
    );
    expect(run.summary).toContain("Give the job `permissions: checks: write` to get a check run.");
    expect(run.summary).not.toContain("\\`");
  });
});

describe("no check run is left open", () => {
  const files = { "docs/guide.md": "# Guide\n\n## Install\n\n## Usage\n" };
  const refused = { status: 422, body: { message: "Validation Failed" } };

  it("a failure while publishing closes the open check run as a failure that says why", async () => {
    models = await startModelServer(scripted({ judge: RULES }));
    const { run } = await pushRun(files, {
      github: (server) => {
        server.failNext("checks/update", refused);
      },
      expectReport: false,
    });
    expect(github!.state.checkRuns).toHaveLength(1);
    const check = github!.state.checkRuns[0]!;
    expect(check.status).toBe("completed");
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("rubric-gate could not finish");
    expect(check.output.summary).toContain("Validation Failed");
    expect(run.outputs["result"]).toBe("error");
    expect(run.code).toBe(1);
  });

  it("when even closing fails, the log says so and the run is an error, not a pass", async () => {
    models = await startModelServer(scripted({ judge: RULES }));
    const { run } = await pushRun(files, {
      github: (server) => {
        server.failNext("checks/update", { ...refused, times: 2 });
      },
      expectReport: false,
    });
    expect(github!.state.checkRuns[0]!.status).toBe("in_progress");
    expect(run.stdout).toContain("closing the check run failed");
    expect(run.outputs["result"]).toBe("error");
    expect(run.code).toBe(1);
  });
});

describe("a generated workbook through the Action", () => {
  it("fails the check with the criterion located at its sheet and cell, in the annotation and the summary", async () => {
    models = await startModelServer(
      scripted({
        judge: (_req, ids, artifact) => {
          const line = artifact.split("\n").find((l) => l.startsWith("Assumptions!B5 = ")) ?? "";
          return {
            json: {
              criteria: Object.fromEntries(
                ids.map((id) => [id, { evidence: line, explanation: "4.0% exceeds 2.5%", verdict: "fail" }]),
              ),
              applicable: true,
              summary: "graded",
            },
          };
        },
      }),
    );
    const rubric = `---\nfiles:\n  - build/*.xlsx\ndescription: A DCF model.\n---\n\n- The terminal growth rate does not exceed 2.5%. {#growth}\n`;
    const { run, report } = await pushRun(
      { "build/dcf.xlsx": await dcfWorkbook({ terminalGrowth: 0.04 }) },
      { rubric },
    );
    expect(report.files[0]!.iterations[0]!.verdicts["growth"]).toMatchObject({ location: "Assumptions!B5" });
    const check = github!.state.checkRuns[0]!;
    expect(check.conclusion).toBe("failure");
    expect(check.annotations[0]).toMatchObject({ path: "build/dcf.xlsx", title: "growth: fail" });
    expect(check.annotations[0]!.message).toContain("(at Assumptions!B5)");
    // Markdown: "!" is escaped (no image syntax from model text); GitHub shows Assumptions!B5.
    expect(check.output.summary).toContain("| growth | ❌ fail |  | 4.0% exceeds 2.5% | Assumptions\\!B5 |");
    expect(run.summary).toContain("Assumptions\\!B5");
    expect(run.outputs["result"]).toBe("failed");
  });
});
