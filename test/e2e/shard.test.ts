// `grade --shard I/N` and `merge-reports` through the real OpenAI SDK against the local model server:
// four shards of a docs tree, merged, equal the unsharded run in files, results, verdicts and totals;
// a missing shard makes the merge fail with a clear error.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { contains, scripted } from "../support/scripted.js";
import { cli, makeWorkspace } from "../support/workspace.js";

const RUBRIC = `---
files:
  - docs/**/*.md
  - notes/*.txt
description: A page of the docs.
---

- Has an Install section. {#install}
- Shows a usage example. {#usage}
`;
const notes = `---
files:
  - notes/*.txt
description: A note.
---

- Says who owns it. {#owner}
`;

const files: Record<string, string> = { "rubrics/docs.md": RUBRIC, "rubrics/notes.md": notes };
for (let i = 0; i < 23; i++) {
  const body = `# Page ${i}\n\n${i % 3 === 0 ? "" : "## Install\n\nnpm i tool\n\n"}${i % 4 === 0 ? "" : "Usage: `tool run`\n"}${"Filler line.\n".repeat(i * 37)}`;
  files[`docs/${i % 5}/page-${i}.md`] = body;
}
// Files graded by two rubrics stay whole in one shard.
files["notes/a.txt"] = "Owner: docs team\n## Install\nUsage: x\n";
files["notes/b.txt"] = "No owner.\n";

let server: ModelServer;
let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  server = await startModelServer(
    scripted({
      judge: { install: contains("## Install"), usage: contains("Usage:"), owner: contains("Owner:") },
    }),
  );
  const ws = await makeWorkspace(files);
  root = ws.root;
  cleanup = () => ws.cleanup();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const env = () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL });
const read = async (name: string) => JSON.parse(await readFile(`${root}/${name}`, "utf8")) as Report;
/** What must not depend on sharding: each file's rubric, result, scores and verdicts. */
const essence = (report: Report) =>
  report.files.map((f) => ({
    path: f.path,
    rubric: f.rubric,
    result: f.result,
    best: f.best_score,
    verdicts: f.iterations.map((i) =>
      Object.entries(i.verdicts).map(([id, v]) => [id, v.verdict, v.evidence, v.location]),
    ),
    usage: f.usage,
  }));

describe("--shard and merge-reports", () => {
  it("four shards merged equal the unsharded run; a missing shard is an error", async () => {
    const whole = await cli(["grade", "--judge", "openai:gpt-4.1", "--report", "whole.json"], root, env());
    expect(whole.code, whole.stderr).toBe(1);
    const unsharded = await read("whole.json");
    expect(unsharded.files.length).toBe(27);

    const shardFiles: string[][] = [];
    for (let i = 1; i <= 4; i++) {
      const run = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--shard", `${i}/4`, "--report", `shard-${i}.json`],
        root,
        env(),
      );
      expect([0, 1]).toContain(run.code);
      const report = await read(`shard-${i}.json`);
      expect(report.shard).toMatchObject({ index: i, count: 4, files: 25 });
      expect(report.files.length).toBeGreaterThan(0);
      shardFiles.push(report.files.map((f) => f.path));
    }
    // Every file in exactly one shard; a file with two rubrics whole in one.
    const all = shardFiles.flat();
    expect(new Set(all).size).toBe(25);
    expect(shardFiles.filter((s) => s.includes("notes/a.txt"))).toHaveLength(1);
    expect(
      shardFiles.find((s) => s.includes("notes/a.txt"))!.filter((p) => p === "notes/a.txt"),
    ).toHaveLength(2);

    const merged = await cli(
      ["merge-reports", "shard-1.json", "shard-2.json", "shard-3.json", "shard-4.json", "-o", "merged.json"],
      root,
      {},
    );
    expect(merged.code, merged.stderr).toBe(unsharded.gate.exit_code);
    const report = await read("merged.json");
    expect(essence(report)).toEqual(essence(unsharded));
    expect(report.gate).toEqual(unsharded.gate);
    // Wall time differs (the shards ran one after another here); cost is summed in another order.
    const { wall_ms: _a, cost_usd: cost, ...totals } = report.totals;
    const { wall_ms: _b, cost_usd: expectedCost, ...expected } = unsharded.totals;
    expect(totals).toEqual(expected);
    expect(cost).toBeCloseTo(expectedCost!, 9);
    expect(report.rubrics).toEqual(unsharded.rubrics);
    expect(merged.stdout).toContain("Gate: FAILED");

    // The same tree gives the same shards.
    const again = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--shard", "2/4", "--dry-run", "--json"],
      root,
      env(),
    );
    const plan = JSON.parse(again.stdout) as { entries: Array<{ path: string }> };
    expect(plan.entries.map((e) => e.path)).toEqual(shardFiles[1]);

    const missing = await cli(
      ["merge-reports", "shard-1.json", "shard-2.json", "shard-4.json", "-o", "partial.json"],
      root,
      {},
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("shard 3/4 is missing: its files were not graded");
    const duplicate = await cli(
      [
        "merge-reports",
        "shard-1.json",
        "shard-1.json",
        "shard-2.json",
        "shard-3.json",
        "shard-4.json",
        "-o",
        "dup.json",
      ],
      root,
      {},
    );
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain("shard 1/4 is given twice");
    const bad = await cli(["grade", "--shard", "5/4", "--dry-run"], root, env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard "5/4": expected I/N with 1 <= I <= N <= 256');
  }, 120_000);
});
