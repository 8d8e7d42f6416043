// Judge sampling and panels (`--judge-samples`, `--judge` given more than once), through the real SDKs.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { type CapturedRequest } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { isJudgeRequest, scripted, verdictsFor } from "../support/scripted.js";
import { cli, makeWorkspace } from "../support/workspace.js";
import { useModelServer } from "../support/servers.js";

const RUBRIC = `---
files:
  - docs/*.md
description: A user guide page for the widget tool.
---

- Has an Install section. {#install}
- Has a Usage section. {#usage}
- Has an Errors section. {#errors}
`;
const DOC = "# Widget\n\n## Install\n\nnpm i widget\n\n## Usage\n\nwidget run\n\n## Errors\n\nNone.\n";

const server = useModelServer();

const env = (): Record<string, string> => ({
  OPENAI_API_KEY: "test-key",
  OPENAI_BASE_URL: server.openaiBaseURL,
  ANTHROPIC_API_KEY: "test-key",
  ANTHROPIC_BASE_URL: server.anthropicBaseURL,
});

async function readReport(root: string): Promise<Report> {
  const report = JSON.parse(await readFile(join(root, "report.json"), "utf8")) as Report;
  assertValidReport(report);
  return report;
}

/** A judge that answers its n-th call (0-based) with `answers[id][n]`, so it disagrees with itself. */
function selfContradicting(answers: Record<string, boolean[]>) {
  let call = 0;
  return scripted({
    judge: (_req, ids, artifact) => {
      const n = call++;
      const rules = Object.fromEntries(
        ids.map((id) => [id, () => answers[id]?.[n % (answers[id]?.length ?? 1)] ?? true]),
      );
      return { json: verdictsFor(ids, artifact, rules) };
    },
  });
}

describe("--judge-samples", () => {
  it("a 1-of-3 split is uncertain and fails the file; a 2-of-3 majority passes; the report has the votes", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    // usage: pass, fail, fail → no majority of pass → uncertain, fail.
    // errors: pass, pass, fail → a strict majority (2 of 3) → pass, not uncertain.
    server.setHandler(
      selfContradicting({ install: [true], usage: [true, false, false], errors: [true, true, false] }),
    );
    const run = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--judge-samples", "3", "--report", "report.json"],
      ws.root,
      env(),
    );
    expect(run.code).toBe(1);
    const report = await readReport(ws.root);
    const file = report.files[0]!;
    expect(file.result).toBe("needs_revision");
    const iteration = file.iterations[0]!;
    expect(iteration.calls).toHaveLength(3);
    expect(iteration.calls.every((c) => c.role === "judge" && c.model === "openai:gpt-4.1")).toBe(true);
    expect(iteration.verdicts.usage).toMatchObject({
      verdict: "fail",
      uncertain: true,
      votes: { pass: 1, fail: 2 },
    });
    expect(iteration.verdicts.errors).toMatchObject({
      verdict: "pass",
      uncertain: false,
      votes: { pass: 2, fail: 1 },
    });
    expect(iteration.verdicts.install).toMatchObject({ verdict: "pass", votes: { pass: 3, fail: 0 } });
    // Score: 2 of 3 criteria pass.
    expect(iteration.score).toBeCloseTo(2 / 3, 10);
    expect(report.judge_samples).toBe(3);
    expect(report.totals.judge_calls).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(run.stdout).toContain("fail usage (uncertain, votes 1 pass / 2 fail)");
    await ws.cleanup();
  });

  it("an even split is a tie: uncertain, never a pass", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    server.setHandler(selfContradicting({ usage: [true, false] }));
    const run = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--judge-samples", "2", "--report", "report.json"],
      ws.root,
      env(),
    );
    expect(run.code).toBe(1);
    const verdict = (await readReport(ws.root)).files[0]!.iterations[0]!.verdicts.usage;
    expect(verdict).toMatchObject({ verdict: "fail", uncertain: true, votes: { pass: 1, fail: 1 } });
    await ws.cleanup();
  });

  it("without --judge-samples a report has no votes (single-judge reports are unchanged)", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    server.setHandler(selfContradicting({}));
    const run = await cli(["grade", "--judge", "openai:gpt-4.1", "--report", "report.json"], ws.root, env());
    expect(run.code).toBe(0);
    const report = await readReport(ws.root);
    expect(report.files[0]!.iterations[0]!.verdicts.usage).not.toHaveProperty("votes");
    expect(report).not.toHaveProperty("judge_samples");
    expect(report).not.toHaveProperty("judges");
    await ws.cleanup();
  });

  it("rejects 0 and 10 samples as usage errors, with no model call", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    for (const n of ["0", "10", "two"]) {
      const run = await cli(["grade", "--judge", "openai:gpt-4.1", "--judge-samples", n], ws.root, env());
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--judge-samples "${n}"`);
    }
    expect(server.requests).toHaveLength(0);
    await ws.cleanup();
  });

  it("the dry run counts every sample in its estimate", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    const one = await cli(["grade", "--dry-run", "--json", "--judge", "openai:gpt-4.1"], ws.root, {});
    const three = await cli(
      ["grade", "--dry-run", "--json", "--judge", "openai:gpt-4.1", "--judge-samples", "3"],
      ws.root,
      {},
    );
    const plan = (run: { stdout: string }) =>
      JSON.parse(run.stdout) as { inputTokens: number; costUsd: number; entries: { judgeCalls: number }[] };
    expect(plan(three).entries[0]!.judgeCalls).toBe(3);
    expect(plan(three).inputTokens).toBe(3 * plan(one).inputTokens);
    expect(plan(three).costUsd).toBeCloseTo(3 * plan(one).costUsd, 10);
    const human = await cli(
      ["grade", "--dry-run", "--judge", "openai:gpt-4.1", "--judge-samples", "3"],
      ws.root,
      {},
    );
    expect(human.stdout).toContain("Iteration 0 (3 judge calls per file)");
    expect(server.requests).toHaveLength(0);
    await ws.cleanup();
  });
});

describe("a panel of judges (--judge given more than once)", () => {
  const panelArgs = ["--judge", "openai:gpt-4.1", "--judge", "anthropic:claude-sonnet-4-6"];
  /** OpenAI passes everything; Anthropic fails `usage`. */
  const split = (req: CapturedRequest, ids: string[], artifact: string) => ({
    json: verdictsFor(
      ids,
      artifact,
      Object.fromEntries(ids.map((id) => [id, () => req.provider === "openai" || id !== "usage"])),
    ),
  });

  it("one OpenAI and one Anthropic judge vote; a 1–1 split is uncertain and fails", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    server.setHandler(scripted({ judge: split }));
    const run = await cli(["grade", ...panelArgs, "--report", "report.json"], ws.root, env());
    expect(run.code).toBe(1);
    expect(server.requests.map((r) => r.provider).sort()).toEqual(["anthropic", "openai"]);
    const report = await readReport(ws.root);
    expect(report.judges).toEqual(["openai:gpt-4.1", "anthropic:claude-sonnet-4-6"]);
    expect(report.judge).toBe("openai:gpt-4.1");
    const iteration = report.files[0]!.iterations[0]!;
    expect(iteration.calls.map((c) => c.model).sort()).toEqual([
      "anthropic:claude-sonnet-4-6",
      "openai:gpt-4.1",
    ]);
    expect(iteration.verdicts.usage).toMatchObject({
      verdict: "fail",
      uncertain: true,
      votes: { pass: 1, fail: 1 },
    });
    expect(iteration.verdicts.install).toMatchObject({ verdict: "pass", votes: { pass: 2, fail: 0 } });
    await ws.cleanup();
  });

  it("judges × samples: two judges with --judge-samples 2 make four calls per version", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    server.setHandler(scripted({ judge: split }));
    const run = await cli(
      ["grade", ...panelArgs, "--judge-samples", "2", "--report", "report.json"],
      ws.root,
      env(),
    );
    expect(run.code).toBe(1);
    const verdict = (await readReport(ws.root)).files[0]!.iterations[0]!.verdicts.usage;
    expect(verdict).toMatchObject({ votes: { pass: 2, fail: 2 }, uncertain: true, verdict: "fail" });
    expect(server.requests).toHaveLength(4);
    await ws.cleanup();
  });

  it("any member's grader error makes the file grader_error (fail closed), exit 3", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    server.setHandler(
      scripted({
        judge: (req, ids, artifact) =>
          req.provider === "anthropic"
            ? { text: "not json" }
            : { json: verdictsFor(ids, artifact, { install: () => true, usage: () => true }) },
      }),
    );
    const run = await cli(["grade", ...panelArgs, "--report", "report.json"], ws.root, env());
    expect(run.code).toBe(3);
    const file = (await readReport(ws.root)).files[0]!;
    expect(file.result).toBe("grader_error");
    expect(file.reason).toMatch(/^panel member 2 of 2: judge anthropic:claude-sonnet-4-6/);
    // The failing member's corrective retry is there too: 1 OpenAI call + 2 Anthropic calls.
    expect(file.iterations[0]!.calls).toHaveLength(3);
    await ws.cleanup();
  });

  it("applicable is the majority; a tie counts as applicable and the criteria decide", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    server.setHandler(
      scripted({
        judge: (req, ids, artifact) => ({
          json: verdictsFor(ids, artifact, { install: () => true }, req.provider === "openai"),
        }),
      }),
    );
    const run = await cli(["grade", ...panelArgs, "--report", "report.json"], ws.root, env());
    expect(run.code).toBe(1);
    const file = (await readReport(ws.root)).files[0]!;
    expect(file.result).toBe("needs_revision");
    expect(file.iterations[0]!.applicable).toBe(true);

    // Two of three samples say "not applicable": the file is failed.
    server.requests.length = 0;
    let call = 0;
    server.setHandler(
      scripted({ judge: (_req, ids, artifact) => ({ json: verdictsFor(ids, artifact, {}, call++ === 0) }) }),
    );
    const majority = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--judge-samples", "3", "--report", "report.json"],
      ws.root,
      env(),
    );
    expect(majority.code).toBe(1);
    expect((await readReport(ws.root)).files[0]!.result).toBe("failed");
    await ws.cleanup();
  });

  it("a bad second --judge is a usage error that quotes it", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/guide.md": DOC });
    const run = await cli(["grade", "--judge", "openai:gpt-4.1", "--judge", "gpt-4.1"], ws.root, env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--judge "gpt-4.1": expected provider:model');
    expect(server.requests.filter(isJudgeRequest)).toHaveLength(0);
    await ws.cleanup();
  });
});
