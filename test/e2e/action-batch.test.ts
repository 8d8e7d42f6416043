// The committed bundle with `batch: true` on a schedule: a run whose time budget ends before the batch
// does says so in the job summary and keeps the batch ids in the cache directory; the next run collects
// the batch without submitting anything again and passes or fails on the verdicts.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { useActionWorld } from "../support/action-world.js";
import { contains, scripted } from "../support/scripted.js";

const RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Has an Install section. {#install}
`;

const open = useActionWorld();

describe("batch: true on a schedule", () => {
  it("submits in one run, says so while it waits, and collects in the next without paying twice", async () => {
    const world = await open(
      {
        "rubrics/guide.md": RUBRIC,
        "docs/a.md": "# A\n\n## Install\n",
        "docs/b.md": "# B\n\n## Install\n",
        "docs/c.md": "# C\n",
      },
      scripted({ judge: { install: contains("## Install") } }),
    );
    const { github, models, root } = world;
    models.batchBehaviour.pollsUntilDone = 1_000_000;
    const run = (budget?: string) =>
      world.schedule(
        {
          judge: "anthropic:claude-sonnet-4-6",
          "anthropic-api-key": "sk-ant-test-not-a-real-key-0000",
          "anthropic-base-url": models.anthropicBaseURL,
          batch: "true",
          "cache-dir": ".rubric-gate/cache",
          ...(budget ? { "budget-seconds": budget } : {}),
        },
        { RUBRIC_GATE_BATCH_POLL_MS: "50" },
      );

    const first = await run("4");
    expect(first.code).toBe(1);
    const waiting = JSON.parse(first.outputs["report"] ?? "null") as Report;
    expect(waiting.files.every((f) => f.result === "interrupted")).toBe(true);
    expect(first.summary).toContain("1 batch is still running at the provider");
    expect(first.summary).toContain(".rubric-gate/cache/batch-state.json");
    expect(existsSync(join(root, ".rubric-gate/cache/batch-state.json"))).toBe(true);
    expect(models.batches).toHaveLength(1);

    models.batchBehaviour.pollsUntilDone = 1;
    const second = await run();
    expect(second.code).toBe(1);
    const done = JSON.parse(second.outputs["report"] ?? "null") as Report;
    expect(done.files.map((f) => [f.path, f.result])).toEqual([
      ["docs/a.md", "satisfied"],
      ["docs/b.md", "satisfied"],
      ["docs/c.md", "needs_revision"],
    ]);
    expect(models.batches).toHaveLength(1);
    expect(models.requests.filter((r) => r.path === "/v1/messages/batches")).toHaveLength(1);
    expect(second.summary).not.toContain("still running at the provider");
    expect(existsSync(join(root, ".rubric-gate/cache/batch-state.json"))).toBe(false);
    expect(github.violations).toEqual([]);
  }, 60_000);
});
