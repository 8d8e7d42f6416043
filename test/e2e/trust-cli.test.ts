// Trust holes, classes 4–10 (SPEC §4, §5, §8), through the built CLI bundle and the real SDKs: reads stay
// in the workspace, the terminal shows no forged line, every output tells the same truth, budgets
// interrupt, the shrink guard holds at every size, a dead endpoint is asked once, and a writer that
// repeats a mistake is not paid to repeat it again.
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { runBundle } from "../support/cli-bundle.js";
import { requestText } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { contains, isJudgeRequest, scripted } from "../support/scripted.js";
import { makeWorkspace } from "../support/workspace.js";
import { providerEnv, useModelServer } from "../support/servers.js";

const RUBRIC = `---
files:
  - docs/**
description: A user guide page for the widget tool.
---

- Has an Install section. {#install}
- Has no TODO left. {#no-todo}
`;
const RULES = { install: contains("## Install"), "no-todo": (a: string) => !a.includes("TODO") };
const GOOD = "# Widget\n\n## Install\n\nnpm i widget\n";
const TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

const server = useModelServer({ keepRequests: true });
beforeEach(() => {
  server.requests.length = 0;
  server.setHandler(scripted({ judge: RULES }));
});

const JUDGES = [
  ["openai", "openai:gpt-4.1"],
  ["anthropic", "anthropic:claude-sonnet-4-6"],
] as const;

const envFor = (provider: "openai" | "anthropic"): Record<string, string> => providerEnv(server, provider);

async function readReport(root: string): Promise<Report> {
  const report = JSON.parse(await readFile(join(root, "report.json"), "utf8")) as Report;
  assertValidReport(report);
  return report;
}

/** Lines the Actions runner would obey: `::command::` or `##[command]` after leading white space. */
function workflowCommandLines(output: string): string[] {
  return output.split("\n").filter((line) => /^\s*(::|##\[)/.test(line));
}

describe("reads never leave the workspace (class 4)", () => {
  it("a symbolic link to a file outside the workspace is skipped, and its content never reaches a model", async () => {
    const outside = await mkdtemp(join(tmpdir(), "rubric-gate-outside-"));
    await writeFile(join(outside, "secret.md"), "# Secret\n\n## Install\n\nOUTSIDE-SECRET-CONTENT\n");
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": GOOD });
    await symlink(join(outside, "secret.md"), join(ws.root, "docs/leak.md"));
    await symlink("guide.md", join(ws.root, "docs/alias.md"));
    const run = await runBundle(
      ["grade", "--judge", "openai:gpt-4.1", "--report", "report.json"],
      ws.root,
      envFor("openai"),
    );
    const report = await readReport(ws.root);
    const leak = report.files.find((f) => f.path === "docs/leak.md");
    expect(leak).toMatchObject({ result: "skipped", skip_kind: "unreadable" });
    expect(leak?.reason).toMatch(/symbolic link to a file outside the workspace/);
    // A link that stays inside the workspace is read (the CLI follows it; the Action does not).
    expect(report.files.find((f) => f.path === "docs/alias.md")?.result).toBe("satisfied");
    expect(server.requests.map((r) => requestText(r)).join("\n")).not.toContain("OUTSIDE-SECRET-CONTENT");
    // A pass with a file not graded is never a plain pass.
    expect(run.stdout).toMatch(
      /Gate: PASSED: 2 graded files satisfied their rubrics; 1 matched file NOT graded/,
    );
    expect(run.stdout).toMatch(/Not graded: docs\/leak\.md \(/);
    expect(run.code).toBe(0);
    await ws.cleanup();
    await rm(outside, { recursive: true, force: true });
  });

  it("calibration examples and rubrics behind a link out of the workspace are not read", async () => {
    const outside = await mkdtemp(join(tmpdir(), "rubric-gate-outside-"));
    await writeFile(join(outside, "ex.md"), "---\nexpect: { install: pass }\n---\nOUTSIDE-EXAMPLE\n");
    await writeFile(join(outside, "rubric.md"), RUBRIC);
    const ws = await makeWorkspace({
      "rubrics/guide.md": RUBRIC,
      "docs/guide.md": GOOD,
      "rubrics/guide.examples/good.md": `---\nexpect: { install: pass }\n---\n${GOOD}`,
    });
    await symlink(join(outside, "ex.md"), join(ws.root, "rubrics/guide.examples/linked.md"));
    await symlink(join(outside, "rubric.md"), join(ws.root, "rubrics/other.md"));
    const calibrate = await runBundle(
      ["calibrate", "rubrics/guide.md", "--judge", "openai:gpt-4.1"],
      ws.root,
      envFor("openai"),
    );
    expect(calibrate.code).toBe(2);
    expect(calibrate.stderr).toContain("rubrics/guide.examples/linked.md");
    expect(calibrate.stderr).toMatch(/outside the workspace/);
    const check = await runBundle(["check-rubrics"], ws.root, {});
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/rubrics\/other\.md.*outside the workspace/);
    expect(server.requests.map((r) => requestText(r)).join("\n")).not.toContain("OUTSIDE-EXAMPLE");
    await ws.cleanup();
    await rm(outside, { recursive: true, force: true });
  });
});

describe("the terminal shows no forged line (class 5)", () => {
  it("a file name with a line break and a workflow command, and a judge's words with one and a token", async () => {
    const name = "docs/evil\n::error file=README.md::forged by a file name\n.md";
    server.setHandler(
      scripted({
        judge: (_req, ids) => ({
          json: {
            criteria: Object.fromEntries(
              ids.map((id) => [
                id,
                {
                  evidence: "",
                  explanation: `missing\n::warning::forged by the judge\n  ::add-mask::x leaks ${TOKEN}\u001b[2J`,
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
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, [name]: "# Evil\n" });
    const run = await runBundle(["grade", "--judge", "openai:gpt-4.1"], ws.root, envFor("openai"));
    const output = run.stdout + run.stderr;
    expect(run.code).toBe(1);
    expect(workflowCommandLines(output)).toEqual([]);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain("\u001b");
    // The name is shown on one line, its line breaks visible.
    expect(output).toContain("docs/evil⏎::error file=README.md::forged by a file name⏎.md");
    await ws.cleanup();
  });
});

describe("every output tells the same truth (class 6)", () => {
  it("no judge configured: the CLI says the gate failed, the report says exit 3, the process exits 3", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": GOOD });
    const run = await runBundle(["grade", "--report", "report.json"], ws.root, {});
    const report = await readReport(ws.root);
    expect(report.gate).toMatchObject({ passed: false, status: "error", exit_code: 3 });
    expect(run.code).toBe(3);
    expect(run.stdout).not.toContain("Gate: PASSED");
    expect(run.stdout).toMatch(/Gate: FAILED: 1 matched file NOT graded \(exit 3\)/);
    await ws.cleanup();
  });

  it("every matched file skipped (binary, too large, not UTF-8): never PASSED, exit 1, and each one is named", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": RUBRIC,
      "docs/archive.bin": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]),
      "docs/huge.md": "# Huge\n" + "x".repeat(300 * 1024),
      "docs/latin1.md": new Uint8Array(Buffer.from("Caf\xe9\n", "latin1")),
    });
    const run = await runBundle(
      ["grade", "--judge", "openai:gpt-4.1", "--report", "report.json"],
      ws.root,
      envFor("openai"),
    );
    const report = await readReport(ws.root);
    expect(report.gate).toMatchObject({ passed: false, status: "not_graded", exit_code: 1 });
    expect(report.gate.ungraded.map((u) => u.path).sort()).toEqual([
      "docs/archive.bin",
      "docs/huge.md",
      "docs/latin1.md",
    ]);
    expect(report.files.map((f) => f.skip_kind).sort()).toEqual(["binary", "not_utf8", "too_large"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Gate: NOT PASSED: nothing was graded; 3 matched files NOT graded (exit 1)");
    expect(server.requests).toEqual([]);
    await ws.cleanup();
  });
});

describe.each(JUDGES)("budgets interrupt, never error (class 7, %s)", (provider, judge) => {
  it("--budget-seconds running out during a slow answer: interrupted, exit 1, not grader_error", async () => {
    server.setHandler(() => ({ delayMs: 5_000, then: { json: {} } }));
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": GOOD });
    const run = await runBundle(
      ["grade", "--judge", judge, "--budget-seconds", "1", "--report", "report.json"],
      ws.root,
      envFor(provider),
    );
    const report = await readReport(ws.root);
    expect(report.files[0]).toMatchObject({ result: "interrupted" });
    expect(report.files[0]?.reason).toMatch(/time budget ran out/);
    expect(report.gate).toMatchObject({ status: "failed", exit_code: 1 });
    expect(run.code).toBe(1);
    await ws.cleanup();
  });

  it("a retry-after that ends after the budget: interrupted at once, without waiting", async () => {
    server.setHandler(() => ({
      status: 429,
      headers: { "retry-after": "30" },
      error: { message: "slow down" },
    }));
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": GOOD });
    const run = await runBundle(
      ["grade", "--judge", judge, "--budget-seconds", "5", "--report", "report.json"],
      ws.root,
      envFor(provider),
    );
    const report = await readReport(ws.root);
    expect(report.files[0]).toMatchObject({ result: "interrupted" });
    expect(report.files[0]?.reason).toMatch(/retry after 30 s/);
    expect(server.requests).toHaveLength(1);
    expect(run.code).toBe(1);
    await ws.cleanup();
  });
});

describe("revisions (classes 8 and 10)", () => {
  it("the shrink guard holds for a small file: a revision that replaces it wholesale is discarded", async () => {
    const small = "# Widget\n\n## Install\n\nTODO: say how.\n";
    expect(small.length).toBeLessThan(200);
    server.setHandler(
      scripted({ judge: RULES, writer: (artifact) => [{ find: artifact, replace: "ok\n" }] }),
    );
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": small });
    const run = await runBundle(
      ["grade", "--judge", "openai:gpt-4.1", "--revise", "--max-iterations", "1", "--report", "report.json"],
      ws.root,
      envFor("openai"),
    );
    const report = await readReport(ws.root);
    expect(report.files[0]?.iterations[1]).toMatchObject({ status: "revision_rejected" });
    expect(report.files[0]?.iterations[1]?.error).toMatch(/shrinks the file from 37 to 3 characters/);
    expect(await ws.read("docs/guide.md")).toBe(small);
    expect(run.code).toBe(1);
    await ws.cleanup();
  });

  it("a writer whose revisions are discarded for the same reason twice is not called a third time", async () => {
    let writerCalls = 0;
    server.setHandler(
      scripted({
        judge: RULES,
        writer: () => {
          writerCalls++;
          return [{ find: "TODO: say how.", replace: `Use the token ${TOKEN} to install.` }];
        },
      }),
    );
    const ws = await makeWorkspace({
      "rubrics/guide.md": RUBRIC,
      "docs/guide.md": GOOD + "\nTODO: say how.\n",
    });
    await runBundle(
      ["grade", "--judge", "openai:gpt-4.1", "--revise", "--max-iterations", "6", "--report", "report.json"],
      ws.root,
      envFor("openai"),
    );
    const file = (await readReport(ws.root)).files[0]!;
    expect(writerCalls).toBe(2);
    expect(file).toMatchObject({ result: "max_iterations_reached", stop_reason: "no_progress" });
    expect(file.reason).toMatch(/revisions 1 and 2 were both discarded for the same reason: .*token-shaped/);
    await ws.cleanup();
  });
});

describe("a dead endpoint is found out once (class 9)", () => {
  const DOCS = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`docs/p${i}.md`, GOOD]));

  it("a refused key (401): at most one call per worker in flight, and the error is said once", async () => {
    server.setHandler(() => ({ status: 401, error: { message: "Incorrect API key provided" } }));
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, ...DOCS });
    const run = await runBundle(
      ["grade", "--judge", "openai:gpt-4.1", "--concurrency", "4", "--report", "report.json"],
      ws.root,
      envFor("openai"),
    );
    const report = await readReport(ws.root);
    expect(report.files.every((f) => f.result === "grader_error")).toBe(true);
    expect(server.requests.length).toBeLessThanOrEqual(4);
    const output = run.stdout + run.stderr;
    expect(output.split("is unusable; no further call is sent to it")).toHaveLength(2);
    // The reason: once as the notice, once on the first progress line, once in the summary.
    expect(output.split("Incorrect API key provided").length - 1).toBeLessThanOrEqual(3);
    expect(run.code).toBe(3);
    await ws.cleanup();
  });

  it("a closed port: connection refused is said once, not once per file", async () => {
    const port = await closedPort();
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, ...DOCS });
    const run = await runBundle(["grade", "--judge", "openai:gpt-4.1", "--concurrency", "4"], ws.root, {
      OPENAI_API_KEY: "test-key",
      OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
    });
    const output = run.stdout + run.stderr;
    expect(output.split("ECONNREFUSED").length - 1).toBeLessThanOrEqual(3);
    expect(output.split("(same reason as above)").length - 1).toBeGreaterThanOrEqual(15);
    expect(run.code).toBe(3);
    await ws.cleanup();
  });

  it("a missing key is said once, before grading, and --dry-run warns about it", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, ...DOCS });
    const run = await runBundle(["grade", "--judge", "openai:gpt-4.1"], ws.root, {});
    expect((run.stdout + run.stderr).split("no OPENAI_API_KEY is set").length - 1).toBeLessThanOrEqual(3);
    expect(run.stderr.indexOf("no OPENAI_API_KEY is set")).toBeLessThan(run.stderr.indexOf("[1/20]"));
    expect(run.code).toBe(3);
    const dry = await runBundle(["grade", "--judge", "openai:gpt-4.1", "--dry-run"], ws.root, {});
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/warning: a real run could not use the judge: no OPENAI_API_KEY is set/);
    expect(server.requests.filter(isJudgeRequest)).toEqual([]);
    await ws.cleanup();
  });
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  return port;
}
