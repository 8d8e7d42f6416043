// Token budgets through the CLI and the real SDK: what is not graded is interrupted, with a reason.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { assertValidReport } from "../support/report-schema.js";
import { contains, isJudgeRequest, scripted } from "../support/scripted.js";
import { cli, makeWorkspace } from "../support/workspace.js";
import { useModelServer } from "../support/servers.js";

const RUBRIC = `---
files:
  - docs/*.md
description: A user guide page.
---

- Has an Install section. {#install}
- Has a Usage section. {#usage}
`;
const DOC = "# Page\n\n## Install\n\nnpm i widget\n\n## Usage\n\nwidget run\n";
const judge = scripted({ judge: { install: contains("## Install"), usage: contains("## Usage") } });

const server = useModelServer();

const env = () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL });

async function workspace(files: number) {
  const tree: Record<string, string> = { "rubrics/guide.md": RUBRIC };
  for (let i = 0; i < files; i++) tree[`docs/p${i}.md`] = DOC;
  return makeWorkspace(tree);
}

async function readReport(root: string): Promise<Report> {
  const report = JSON.parse(await readFile(join(root, "report.json"), "utf8")) as Report;
  assertValidReport(report);
  return report;
}

describe("--max-tokens", () => {
  it("a budget for about half the files: the rest are interrupted with a reason, and the gate fails", async () => {
    const ws = await workspace(10);
    // Every judge call costs 1,100 tokens; a budget of 5,500 lets five calls start (the fifth at 4,400
    // used, its estimated input still within it), and then it is used up.
    server.setHandler(async (req) => ({
      ...(await judge(req)),
      usage: { input: 1_000, output: 100 },
    }));
    const run = await cli(
      [
        "grade",
        "--judge",
        "openai:gpt-4.1",
        "--concurrency",
        "1",
        "--max-tokens",
        "5500",
        "--report",
        "report.json",
      ],
      ws.root,
      env(),
    );
    expect(run.code).toBe(1);
    const report = await readReport(ws.root);
    expect(report.gate).toMatchObject({ passed: false, exit_code: 1 });
    expect(report.gate.counts).toMatchObject({ satisfied: 5, interrupted: 5 });
    expect(server.requests.filter(isJudgeRequest)).toHaveLength(5);
    expect(report.totals).toMatchObject({ calls: 5, input_tokens: 5_000, output_tokens: 500 });
    const interrupted = report.files.filter((f) => f.result === "interrupted");
    expect(interrupted.map((f) => f.path)).toEqual([
      "docs/p5.md",
      "docs/p6.md",
      "docs/p7.md",
      "docs/p8.md",
      "docs/p9.md",
    ]);
    for (const file of interrupted) {
      expect(file.reason).toBe("the token budget of 5500 was used up");
      expect(file.stop_reason).toBe("budget");
      expect(file.iterations).toEqual([]);
      expect(file.best_score).toBeNull();
    }
    // One reason for five files is said once, naming them.
    expect(run.stdout).toMatch(
      /5 files \(docs\/p5\.md, docs\/p6\.md, docs\/p7\.md, …\) — interrupted: the token budget of 5500 was used up/,
    );
    expect(run.stdout).toContain("5 file(s) interrupted before grading finished");
    await ws.cleanup();
  });

  it("workers starting together count each other's calls in flight, so they cannot all slip under the budget", async () => {
    // Measure one call's input tokens (as the server counts them), then allow two and a half.
    const one = await workspace(1);
    server.setHandler(judge);
    await cli(["grade", "--judge", "openai:gpt-4.1", "--report", "report.json"], one.root, env());
    const perCall = (await readReport(one.root)).totals.input_tokens;
    await one.cleanup();

    const ws = await workspace(8);
    server.requests.length = 0;
    server.setHandler(async (req) => ({ delayMs: 150, then: await judge(req) }));
    const budget = Math.floor(perCall * 2.5);
    const run = await cli(
      [
        "grade",
        "--judge",
        "openai:gpt-4.1",
        "--concurrency",
        "4",
        "--max-tokens",
        String(budget),
        "--report",
        "report.json",
      ],
      ws.root,
      env(),
    );
    expect(run.code).toBe(1);
    const report = await readReport(ws.root);
    // Four workers start at once; the third sees two calls in flight, and its own estimated input would
    // take the run past the budget (about 3 × perCall > 2.5 × perCall): it does not start.
    expect(server.requests.filter(isJudgeRequest)).toHaveLength(2);
    expect(report.gate.counts).toMatchObject({ satisfied: 2, interrupted: 6 });
    expect(report.totals.input_tokens).toBeLessThanOrEqual(budget);
    await ws.cleanup();
  });
});
