// The committed bundle with `batch: true` on a schedule: a run whose time budget ends before the batch
// does says so in the job summary and keeps the batch ids in the cache directory; the next run collects
// the batch without submitting anything again and passes or fails on the verdicts.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { runAction } from "../support/action-runner.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { contains, scripted } from "../support/scripted.js";
import { makeWorkspace } from "../support/workspace.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Has an Install section. {#install}
`;

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

describe("batch: true on a schedule", () => {
  it("submits in one run, says so while it waits, and collects in the next without paying twice", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": RUBRIC,
      "docs/a.md": "# A\n\n## Install\n",
      "docs/b.md": "# B\n\n## Install\n",
      "docs/c.md": "# C\n",
    });
    cleanups.push(() => ws.cleanup());
    github = await startGitHubServer({ owner: OWNER, repo: REPO });
    models = await startModelServer(scripted({ judge: { install: contains("## Install") } }));
    models.batchBehaviour.pollsUntilDone = 1_000_000;
    const run = (budget?: string) =>
      runAction({
        eventName: "schedule",
        payload: { schedule: "17 3 * * 1" },
        repository: `${OWNER}/${REPO}`,
        sha: SHA,
        workspace: ws.root,
        apiUrl: github!.url,
        inputs: {
          judge: "anthropic:claude-sonnet-4-6",
          "anthropic-api-key": "sk-ant-test-not-a-real-key-0000",
          "anthropic-base-url": models!.anthropicBaseURL,
          batch: "true",
          "cache-dir": ".rubric-gate/cache",
          ...(budget ? { "budget-seconds": budget } : {}),
        },
        env: { RUBRIC_GATE_BATCH_POLL_MS: "50" },
      });

    const first = await run("4");
    expect(first.code).toBe(1);
    const waiting = JSON.parse(first.outputs["report"] ?? "null") as Report;
    expect(waiting.files.every((f) => f.result === "interrupted")).toBe(true);
    expect(first.summary).toContain("1 batch is still running at the provider");
    expect(first.summary).toContain(".rubric-gate/cache/batch-state.json");
    expect(existsSync(join(ws.root, ".rubric-gate/cache/batch-state.json"))).toBe(true);
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
    expect(existsSync(join(ws.root, ".rubric-gate/cache/batch-state.json"))).toBe(false);
    expect(github.violations).toEqual([]);
  }, 60_000);
});
