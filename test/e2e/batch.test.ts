// `grade --batch` through the real SDKs against the local model server's batch endpoints (OpenAI
// files + batches, Anthropic Message Batches, in their wire formats): the same verdicts as the online
// run at half the estimated cost; a run killed mid-way and run again submits nothing twice; expired
// and errored requests make their files grader_error.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import {
  requestSchemaName,
  requestToolResults,
  startModelServer,
  type Handler,
  type ModelServer,
} from "../support/model-server.js";
import { artifactOf, contains, isJudgeRequest, scripted, verdictsFor } from "../support/scripted.js";
import { cli, makeWorkspace } from "../support/workspace.js";

const RUBRIC = `---
files:
  - docs/**/*.md
description: A page of the docs.
---

- Has an Install section. {#install}
- Shows a usage example. {#usage}
`;
const RULES = { install: contains("## Install"), usage: contains("Usage:") };

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer(scripted({ judge: RULES }));
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setHandler(scripted({ judge: RULES }));
  server.requests.length = 0;
  server.batches.length = 0;
  Object.assign(server.batchBehaviour, { pollsUntilDone: 1, expire: false, ranBeforeExpiry: 0 });
});

const PROVIDERS = [
  { name: "openai", judge: "openai:gpt-4.1", endpoint: "/v1/chat/completions" },
  // The Responses API's batches run on /v1/responses.
  { name: "openai-responses", judge: "openai-responses:gpt-4.1", endpoint: "/v1/responses" },
  { name: "anthropic", judge: "anthropic:claude-sonnet-4-6", endpoint: undefined },
] as const;

const env = (): Record<string, string> => ({
  OPENAI_API_KEY: "test-key",
  OPENAI_BASE_URL: server.openaiBaseURL,
  ANTHROPIC_API_KEY: "test-key",
  ANTHROPIC_BASE_URL: server.anthropicBaseURL,
  RUBRIC_GATE_BATCH_POLL_MS: "40",
});

async function tree(count: number) {
  const files: Record<string, string> = { "rubrics/docs.md": RUBRIC };
  for (let i = 0; i < count; i++) {
    files[`docs/${i % 10}/page-${i}.md`] =
      `# Page ${i}\n\n${i % 3 ? "## Install\n\nnpm i tool\n\n" : ""}${i % 4 ? "Usage: \`tool run\`\n" : ""}`;
  }
  return makeWorkspace(files);
}

/** The judge of the error tests: page 5's request is one the API refuses (400), the rest are graded. */
const malformedPage5: Handler = (req) => {
  if (isJudgeRequest(req) && artifactOf(req).includes("Page 5"))
    return { status: 400, error: { message: "this request is malformed" } };
  return { json: verdictsFor(["install", "usage"], artifactOf(req), RULES) };
};

const essence = (report: Report) =>
  report.files.map((f) => ({
    path: f.path,
    result: f.result,
    verdicts: f.iterations.map((i) =>
      Object.entries(i.verdicts).map(([id, v]) => [id, v.verdict, v.evidence, v.location]),
    ),
  }));

describe.each(PROVIDERS)("--batch through the $name SDK", ({ judge, endpoint }) => {
  it("200 files end with the online run's verdicts, in one batch, at half the estimated cost", async () => {
    const ws = await tree(200);
    try {
      const online = await cli(["grade", "--judge", judge, "--report", "online.json"], ws.root, env());
      expect(online.code, online.stderr).toBe(1);
      const onlineCalls = server.requests.filter((r) => !r.batch && isJudgeRequest(r)).length;
      expect(onlineCalls).toBe(200);
      server.requests.length = 0;

      const batch = await cli(
        ["grade", "--judge", judge, "--batch", "--report", "batch.json"],
        ws.root,
        env(),
      );
      expect(batch.code, batch.stderr).toBe(1);
      expect(batch.stderr).toMatch(/submitted batch \S+ \(200 requests\); polling it/);
      const a = JSON.parse(await ws.read("online.json")) as Report;
      const b = JSON.parse(await ws.read("batch.json")) as Report;
      expect(essence(b)).toEqual(essence(a));
      expect(b.gate).toEqual(a.gate);
      // No online call: every judge request went in the one batch.
      expect(server.requests.filter((r) => !r.batch && isJudgeRequest(r))).toHaveLength(0);
      expect(server.batches).toHaveLength(1);
      expect(server.batches[0]?.customIds).toHaveLength(200);
      expect(server.batches[0]?.endpoint).toBe(endpoint);
      expect(b.totals.input_tokens).toBe(a.totals.input_tokens);
      expect(b.totals.cost_usd!).toBeCloseTo(a.totals.cost_usd! / 2, 9);
      // Collected in full: the state file is gone.
      expect(existsSync(join(ws.root, ".rubric-gate/batch-state.json"))).toBe(false);
    } finally {
      await ws.cleanup();
    }
  }, 120_000);

  it("expired and errored requests make their files grader_error, never a pass", async () => {
    const ws = await tree(6);
    try {
      server.setHandler(malformedPage5);
      const errored = await cli(["grade", "--judge", judge, "--batch", "--report", "e.json"], ws.root, env());
      expect(errored.code).toBe(3);
      const withError = JSON.parse(await ws.read("e.json")) as Report;
      expect(withError.files.filter((f) => f.result === "grader_error").map((f) => f.path)).toEqual([
        "docs/5/page-5.md",
      ]);
      expect(withError.files.find((f) => f.path === "docs/5/page-5.md")?.reason).toMatch(/malformed/);

      server.setHandler(scripted({ judge: RULES }));
      Object.assign(server.batchBehaviour, { expire: true, ranBeforeExpiry: 4 });
      const run = await cli(["grade", "--judge", judge, "--batch", "--report", "r.json"], ws.root, env());
      expect(run.code).toBe(3);
      const report = JSON.parse(await ws.read("r.json")) as Report;
      const errors = report.files.filter((f) => f.result === "grader_error");
      expect(errors).toHaveLength(2);
      for (const f of errors) expect(f.reason).toMatch(/expired before this request ran/);
      expect(report.files.filter((f) => f.result !== "grader_error")).toHaveLength(4);
      expect(report.gate.status).toBe("error");
    } finally {
      await ws.cleanup();
    }
  }, 60_000);
});

/** The writer of the revision tests: adds what the page lacks, as the online writer would. */
const fixPage = (artifact: string): Array<{ find: string; replace: string }> => {
  const heading = /^# Page \d+\n/.exec(artifact)?.[0];
  if (!heading) return [];
  const add = `${artifact.includes("## Install") ? "" : "\n## Install\n\nnpm i tool\n"}${artifact.includes("Usage:") ? "" : "\nUsage: `tool run`\n"}`;
  return [{ find: heading, replace: `${heading}${add}` }];
};

describe("--batch passes", () => {
  it.each(PROVIDERS)(
    "revisions go as successive rounds ($name) and end where the online run ends",
    async ({ judge }) => {
      const ws = await tree(40);
      // The same tree, graded online.
      const online = await tree(40);
      try {
        server.setHandler(scripted({ judge: RULES, writer: fixPage }));
        const a = await cli(
          ["grade", "--judge", judge, "--revise", "--report", "a.json"],
          online.root,
          env(),
        );
        expect(a.code, a.stderr).toBe(0);
        server.requests.length = 0;
        const b = await cli(
          ["grade", "--judge", judge, "--revise", "--batch", "--concurrency", "3", "--report", "b.json"],
          ws.root,
          env(),
        );
        expect(b.code, b.stderr).toBe(0);
        const ra = JSON.parse(await online.read("a.json")) as Report;
        const rb = JSON.parse(await ws.read("b.json")) as Report;
        expect(essence(rb)).toEqual(essence(ra));
        expect(rb.files.map((f) => f.diff)).toEqual(ra.files.map((f) => f.diff));
        for (let i = 0; i < 40; i++) {
          const path = `docs/${i % 10}/page-${i}.md`;
          expect(await ws.read(path)).toBe(await online.read(path));
        }
        // Three rounds: every first grade, the writers of the failing pages, their second grades.
        const failing = ra.files.filter((f) => f.iterations.length > 1).length;
        expect(failing).toBeGreaterThan(0);
        expect(server.batches.map((batch) => batch.customIds.length)).toEqual([40, failing, failing]);
        expect(server.requests.filter((r) => !r.batch && requestSchemaName(r) !== null)).toHaveLength(0);
        expect(rb.totals.calls).toBe(ra.totals.calls);
        expect(rb.totals.input_tokens).toBe(ra.totals.input_tokens);
        expect(rb.totals.output_tokens).toBe(ra.totals.output_tokens);
      } finally {
        await ws.cleanup();
        await online.cleanup();
      }
    },
    120_000,
  );

  it("judge samples stay several requests, each answered once", async () => {
    const ws = await tree(10);
    try {
      const run = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--judge-samples", "3", "--batch", "--report", "r.json"],
        ws.root,
        env(),
      );
      expect(run.code, run.stderr).toBe(1);
      expect(server.batches).toHaveLength(1);
      const ids = server.batches[0]?.customIds ?? [];
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      const report = JSON.parse(await ws.read("r.json")) as Report;
      expect(report.totals.calls).toBe(30);
      expect(report.files.every((f) => f.iterations[0]?.calls.length === 3)).toBe(true);
    } finally {
      await ws.cleanup();
    }
  }, 60_000);

  it("--max-cost counts the requests waiting in a batch: the rest are not sent", async () => {
    const ws = await tree(20);
    try {
      const full = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--batch", "--report", "full.json"],
        ws.root,
        env(),
      );
      expect(full.code, full.stderr).toBe(1);
      const cost = (JSON.parse(await ws.read("full.json")) as Report).totals.cost_usd ?? 0;
      expect(cost).toBeGreaterThan(0);
      server.batches.length = 0;
      const budget = cost / 4;
      const run = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--batch", "--max-cost", String(budget), "--report", "r.json"],
        ws.root,
        env(),
      );
      const report = JSON.parse(await ws.read("r.json")) as Report;
      const sent = server.batches.flatMap((batch) => batch.customIds).length;
      expect(sent).toBeGreaterThan(0);
      // Booked by their estimated input as they went into the spool: about a quarter of the tree (the
      // estimate leaves output out), never all of it.
      expect(sent).toBeLessThanOrEqual(8);
      expect(report.files.filter((f) => f.result === "interrupted")).toHaveLength(20 - sent);
      for (const f of report.files.filter((f) => f.result === "interrupted"))
        expect(f.reason).toMatch(/cost budget/);
      expect(report.totals.cost_usd ?? 0).toBeLessThan(cost / 2);
      expect(run.code).toBe(report.gate.exit_code);
    } finally {
      await ws.cleanup();
    }
  }, 60_000);

  it("a request the batch errored stays the file's grader_error when the budget is used up by then", async () => {
    const ws = await tree(6);
    try {
      server.setHandler(malformedPage5);
      const full = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--batch", "--report", "full.json"],
        ws.root,
        env(),
      );
      expect(full.code).toBe(3);
      const cost = (JSON.parse(await ws.read("full.json")) as Report).totals.cost_usd ?? 0;
      server.batches.length = 0;
      // Enough for every request's estimate, not for what the round then counts.
      const run = await cli(
        [
          "grade",
          "--judge",
          "openai:gpt-4.1",
          "--batch",
          "--max-cost",
          String(cost * 0.95),
          "--report",
          "r.json",
        ],
        ws.root,
        env(),
      );
      expect(server.batches.flatMap((b) => b.customIds)).toHaveLength(6);
      const report = JSON.parse(await ws.read("r.json")) as Report;
      expect(report.files.find((f) => f.path === "docs/5/page-5.md")?.result).toBe("grader_error");
      expect(report.files.filter((f) => f.result === "interrupted")).toHaveLength(0);
      expect(run.code).toBe(3);
    } finally {
      await ws.cleanup();
    }
  }, 60_000);

  it("a judge with tools stays online and is not asked again in later passes", async () => {
    const rubric = RUBRIC.replace(
      "description: A page of the docs.",
      "description: A page of the docs.\ntools: true",
    );
    const ws = await makeWorkspace({
      "rubrics/docs.md": rubric,
      "docs/a.md": "# Page 1\n\nUsage: `tool run`\n",
      "src/tool.ts": "export {};\n",
    });
    try {
      const judgeTurns: string[] = [];
      const inner = scripted({ judge: RULES, writer: fixPage });
      server.setHandler((req) => {
        if (isJudgeRequest(req)) {
          judgeTurns.push(artifactOf(req).includes("## Install") ? "second" : "first");
          if (requestToolResults(req).length === 0)
            return { toolCalls: [{ name: "read_file", arguments: { path: "src/tool.ts" } }] };
        }
        return inner(req);
      });
      const run = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--revise", "--batch", "--report", "r.json"],
        ws.root,
        env(),
      );
      expect(run.code, run.stderr).toBe(0);
      // Two turns for each of the two grades, online; only the writer went in a batch.
      expect(judgeTurns).toEqual(["first", "first", "second", "second"]);
      expect(server.batches).toHaveLength(1);
      const report = JSON.parse(await ws.read("r.json")) as Report;
      expect(report.files[0]?.result).toBe("satisfied");
    } finally {
      await ws.cleanup();
    }
  }, 60_000);
});

describe("--batch resumes", () => {
  it("a run killed while its batch runs, run again, collects it and submits nothing twice", async () => {
    const ws = await tree(30);
    try {
      server.batchBehaviour.pollsUntilDone = 1_000_000;
      const child = spawn(
        process.execPath,
        // The committed bundle, as users run it.
        [
          join(process.cwd(), "dist/cli/index.js"),
          "grade",
          "--judge",
          "anthropic:claude-sonnet-4-6",
          "--batch",
        ],
        { cwd: ws.root, env: { ...process.env, ...env() }, stdio: "ignore" },
      );
      const statePath = join(ws.root, ".rubric-gate/batch-state.json");
      for (let i = 0; i < 400 && !(server.batches.length > 0 && existsSync(statePath)); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(server.batches).toHaveLength(1);
      // Let the state file be written, then kill the process without warning.
      await new Promise((r) => setTimeout(r, 200));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const state = JSON.parse(await readFile(statePath, "utf8")) as {
        batches: Array<{ id: string; custom_ids: string[] }>;
      };
      expect(state.batches.map((b) => b.id)).toEqual([server.batches[0]?.id]);
      expect(state.batches[0]?.custom_ids).toHaveLength(30);

      server.batchBehaviour.pollsUntilDone = 1;
      const again = await cli(
        ["grade", "--judge", "anthropic:claude-sonnet-4-6", "--batch", "--report", "r.json"],
        ws.root,
        env(),
      );
      expect(again.code, again.stderr).toBe(1);
      expect(server.batches).toHaveLength(1);
      expect(server.requests.filter((r) => r.path === "/v1/messages/batches")).toHaveLength(1);
      expect(again.stderr).not.toContain("submitted batch");
      const report = JSON.parse(await ws.read("r.json")) as Report;
      expect(report.files.filter((f) => f.result === "grader_error")).toHaveLength(0);
      expect(report.files).toHaveLength(30);
      expect(existsSync(statePath)).toBe(false);
    } finally {
      await ws.cleanup();
    }
  }, 60_000);

  it("forgets a batch of an earlier run whose requests no file asks for again", async () => {
    const ws = await tree(3);
    try {
      await mkdir(join(ws.root, ".rubric-gate"));
      await writeFile(
        join(ws.root, ".rubric-gate/batch-state.json"),
        JSON.stringify({
          version: 1,
          batches: [
            {
              client: "openai:gpt-4.1",
              id: "batch_old",
              custom_ids: ["rg-stale-1"],
              submitted_at: "2026-12-01T00:00:00Z",
            },
          ],
        }),
      );
      const run = await cli(["grade", "--judge", "openai:gpt-4.1", "--batch"], ws.root, env());
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).not.toContain("not collected yet");
      expect(server.requests.some((r) => r.path.includes("batch_old"))).toBe(false);
      expect(existsSync(join(ws.root, ".rubric-gate/batch-state.json"))).toBe(false);
    } finally {
      await ws.cleanup();
    }
  }, 60_000);

  it("a time budget that ends before the batch does interrupts the files and keeps the state for the next run", async () => {
    const ws = await tree(5);
    try {
      server.batchBehaviour.pollsUntilDone = 1_000_000;
      const first = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--batch", "--budget-seconds", "1", "--report", "r.json"],
        ws.root,
        env(),
      );
      expect(first.code).toBe(1);
      expect(first.stderr).toContain(
        "1 batch(es) not collected yet are kept in .rubric-gate/batch-state.json",
      );
      const report = JSON.parse(await ws.read("r.json")) as Report;
      expect(report.files.every((f) => f.result === "interrupted")).toBe(true);
      server.batchBehaviour.pollsUntilDone = 1;
      const second = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--batch", "--report", "r.json"],
        ws.root,
        env(),
      );
      expect(second.code, second.stderr).toBe(1);
      expect(server.batches).toHaveLength(1);
      const done = JSON.parse(await ws.read("r.json")) as Report;
      expect(done.files.every((f) => f.result !== "interrupted")).toBe(true);
    } finally {
      await ws.cleanup();
    }
  }, 60_000);
});
