// The engine in-process over ports: an in-memory workspace and a scripted model client (the port the
// SDK adapters implement; the adapters themselves are tested through the SDKs against the local model
// server). Fast checks of what the engine adds to the loop: which files are graded or skipped and why,
// revisions kept and written, budgets, and totals that agree with the files.
import { minimatch } from "minimatch";
import { describe, expect, it } from "vitest";
import { runGrade, type RunOptions } from "../../src/engine/run.js";
import type { FileSink, FileSource } from "../../src/ports/files.js";
import {
  ModelError,
  type ModelAnswer,
  type ModelClient,
  type StructuredRequest,
} from "../../src/ports/models.js";
import { ReportSchema } from "../../src/report/schema.js";

const RUBRIC = `---
files: ["docs/**"]
description: A user guide page.
---

- Has an Install section. {#install}
- Has a Usage section. {#usage}
`;

function memoryFiles(
  files: Record<string, string | Uint8Array>,
): FileSource & FileSink & { files: typeof files } {
  return {
    files,
    list: () => Promise.resolve(Object.keys(files).sort()),
    glob: (pattern) =>
      Promise.resolve(
        Object.keys(files)
          .filter((p) => minimatch(p, pattern))
          .sort(),
      ),
    read: (path) => {
      const content = files[path];
      if (content === undefined) return Promise.resolve(null);
      return Promise.resolve(typeof content === "string" ? new TextEncoder().encode(content) : content);
    },
    write: (path, content) => {
      files[path] = new TextDecoder().decode(content);
      return Promise.resolve();
    },
  };
}

const clock = { now: () => Date.now(), sleep: () => Promise.resolve() };

/** The data block of a request: the artifact as the model was sent it. */
function artifactOf(request: StructuredRequest): string {
  const text = request.messages.map((m) => m.content).join("\n");
  const match = /<artifact-([0-9a-f]+)>\n([\s\S]*?)\n<\/artifact-\1>/.exec(text);
  if (!match) throw new Error("no artifact block");
  return match[2]!;
}

/** A judge (pass when the section heading is there) and a writer (adds the first missing section). */
function scriptedClient(calls: StructuredRequest[] = []): ModelClient {
  const answer = (text: string): ModelAnswer => ({
    kind: "answer",
    text,
    usage: { inputTokens: 100, outputTokens: 10, cachedInputTokens: 0 },
    latencyMs: 1,
    attempts: 1,
  });
  return {
    id: "openai:gpt-4.1",
    provider: "openai",
    model: "gpt-4.1",
    complete(request) {
      calls.push(request);
      const artifact = artifactOf(request);
      if (request.schemaName === "artifact_edits") {
        const missing = ["## Install", "## Usage"].find((h) => !artifact.includes(h))!;
        const last = artifact.trimEnd().split("\n").pop()!;
        return Promise.resolve(
          answer(JSON.stringify({ edits: [{ find: last, replace: `${last}\n\n${missing}\n\nText.` }] })),
        );
      }
      const criteria: Record<string, unknown> = {};
      for (const [id, heading] of [
        ["install", "## Install"],
        ["usage", "## Usage"],
      ] as const) {
        const pass = artifact.includes(heading);
        criteria[id] = {
          evidence: pass ? heading : "",
          explanation: pass ? "yes" : "missing",
          verdict: pass ? "pass" : "fail",
        };
      }
      return Promise.resolve(answer(JSON.stringify({ criteria, applicable: true, summary: "graded" })));
    },
  };
}

function options(workspace: FileSource, overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    workspace,
    rubricsGlob: "rubrics/**/*.md",
    judge: "openai:gpt-4.1",
    writer: null,
    models: () => scriptedClient(),
    revise: false,
    concurrency: 1,
    clock,
    toolVersion: "test",
    ...overrides,
  };
}

describe("the engine", () => {
  it("grades what it can, skips the rest with a code and a reason, and its totals agree with the files", async () => {
    const ws = memoryFiles({
      "rubrics/guide.md": RUBRIC,
      "docs/good.md": "# Good\n\n## Install\n\n## Usage\n",
      "docs/half.md": "# Half\n\n## Install\n",
      "docs/archive.bin": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]),
      "docs/big.md": "x".repeat(2_000),
      "src/a.ts": "export const a = 1;\n",
    });
    const { report } = await runGrade(
      options(ws, {
        paths: ["docs/good.md", "docs/half.md", "docs/archive.bin", "docs/big.md", "src/a.ts"],
        maxFileBytes: 1_000,
      }),
    );
    ReportSchema.parse(report);
    const byPath = Object.fromEntries(report.files.map((f) => [f.path, [f.result, f.skip_kind ?? null]]));
    expect(byPath).toEqual({
      "docs/good.md": ["satisfied", null],
      "docs/half.md": ["needs_revision", null],
      "docs/archive.bin": ["skipped", "binary"],
      "docs/big.md": ["skipped", "too_large"],
      "src/a.ts": ["skipped", "no_rubric"],
    });
    expect(report.gate).toMatchObject({ passed: false, status: "failed", exit_code: 1 });
    const fileTokens = report.files.reduce((n, f) => n + f.usage.input_tokens, 0);
    expect(report.totals).toMatchObject({ calls: 2, judge_calls: 2, input_tokens: fileTokens });
    expect(fileTokens).toBe(200);
  });

  it("a path asked for that does not exist is a configuration error, never a silent pass", async () => {
    const ws = memoryFiles({
      "rubrics/guide.md": RUBRIC,
      "docs/good.md": "# Good\n\n## Install\n\n## Usage\n",
    });
    const { report } = await runGrade(options(ws, { paths: ["docs/good.md", "docs/gone.md"] }));
    expect(report.gate).toMatchObject({ passed: false, status: "config_error", exit_code: 2 });
    expect(report.config_errors.map((e) => e.file)).toEqual(["docs/gone.md"]);
  });

  it("revises, keeps the best version, writes it back and hands it to delivery", async () => {
    const ws = memoryFiles({
      "rubrics/guide.md": RUBRIC,
      "docs/a.md": "# A\n\nWords about A, enough to revise.\n",
    });
    const calls: StructuredRequest[] = [];
    const { report, revisions } = await runGrade(
      options(ws, { revise: true, writer: "openai:gpt-4.1", sink: ws, models: () => scriptedClient(calls) }),
    );
    const file = report.files[0]!;
    expect(file).toMatchObject({
      result: "satisfied",
      stop_reason: "satisfied",
      changed: true,
      written: true,
      best_iteration: 2,
    });
    expect(ws.files["docs/a.md"]).toContain("## Usage");
    expect(revisions.get("docs/a.md")?.revised).toBe(ws.files["docs/a.md"]);
    expect(calls.map((c) => c.schemaName)).toEqual([
      "rubric_verdicts",
      "artifact_edits",
      "rubric_verdicts",
      "artifact_edits",
      "rubric_verdicts",
    ]);
    expect(report.totals).toMatchObject({ judge_calls: 3, writer_calls: 2, input_tokens: 500 });
    expect(file.usage.input_tokens).toBe(500);
  });

  it("a cost cap interrupts the files it leaves: interrupted, never passed", async () => {
    const ws = memoryFiles({
      "rubrics/guide.md": RUBRIC,
      "docs/a.md": "# A\n\n## Install\n\n## Usage\n",
      "docs/b.md": "# B\n\n## Install\n\n## Usage\n",
    });
    const { report } = await runGrade(options(ws, { maxCostUsd: 0.0000001 }));
    // No call starts whose estimated input alone would pass the budget: nothing is overspent.
    expect(report.files.map((f) => f.result)).toEqual(["interrupted", "interrupted"]);
    expect(report.files[0]!.reason).toContain("would pass the cost budget of $1e-7");
    expect(report.totals.calls).toBe(0);
    expect(report.gate).toMatchObject({ passed: false, status: "failed", exit_code: 1 });
    expect(report.gate.counts.interrupted).toBe(2);
  });

  it("a judge without a key: every file is a grader_error, and the front end is told once", async () => {
    const ws = memoryFiles({ "rubrics/guide.md": RUBRIC, "docs/a.md": "# A\n", "docs/b.md": "# B\n" });
    const notices: string[] = [];
    const { report } = await runGrade(
      options(ws, {
        models: () => {
          throw new ModelError("auth", "openai:gpt-4.1: OPENAI_API_KEY is not set");
        },
        onNotice: (m) => notices.push(m),
      }),
    );
    expect(report.files.map((f) => f.result)).toEqual(["grader_error", "grader_error"]);
    expect(report.gate).toMatchObject({ passed: false, status: "error" });
    expect(notices).toHaveLength(1);
  });
});
