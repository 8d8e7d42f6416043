// A burst of 429s through the real SDKs: the workers slow down together instead of each hammering the
// limit on its own, every file still ends graded, and nothing passes without a verdict.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { type Handler } from "../support/model-server.js";
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
const RULES = { install: contains("## Install"), usage: contains("## Usage") };
const DOC = "# Page\n\n## Install\n\nnpm i widget\n\n## Usage\n\nwidget run\n";
const CONCURRENCY = 8;
const FILES = 24;

const server = useModelServer();

const PROVIDERS = [
  {
    judge: "openai:gpt-4.1",
    env: () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL }),
  },
  {
    judge: "anthropic:claude-sonnet-4-6",
    env: () => ({ ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.anthropicBaseURL }),
  },
] as const;

/**
 * A server that is over its limit for `windowMs` from the first request on: every request arriving in
 * that window gets a 429 with `headers` (possibly no hint, or one shorter than the window); after it,
 * the judge answers after a short latency. Counts the 429s it sent.
 */
function burst(
  windowMs: number,
  headers: Record<string, string>,
): { handler: Handler; rejected: () => number } {
  const judge = scripted({ judge: RULES });
  let opened: number | undefined;
  let rejected = 0;
  const handler: Handler = async (req) => {
    opened ??= Date.now();
    if (Date.now() - opened < windowMs) {
      rejected++;
      return { status: 429, headers, error: { message: "Rate limit reached for requests" } };
    }
    return { delayMs: 20, then: await judge(req) };
  };
  return { handler, rejected: () => rejected };
}

async function workspace() {
  const files: Record<string, string> = { "rubrics/guide.md": RUBRIC };
  for (let i = 0; i < FILES; i++) files[`docs/page-${String(i).padStart(2, "0")}.md`] = DOC;
  return makeWorkspace(files);
}

async function readReport(root: string): Promise<Report> {
  const report = JSON.parse(await readFile(join(root, "report.json"), "utf8")) as Report;
  assertValidReport(report);
  return report;
}

describe.each(PROVIDERS)("a burst of 429s through $judge", ({ judge, env }) => {
  it.each([
    ["no retry-after (backoff)", 1_200, {}],
    ["a retry-after shorter than the limit lasts", 800, { "retry-after-ms": "300" }],
  ])("%s: every file is graded, and the 429s stay near one per worker", async (_name, windowMs, headers) => {
    const ws = await workspace();
    const { handler, rejected } = burst(windowMs, headers);
    server.setHandler(handler);
    const run = await cli(
      ["grade", "--judge", judge, "--concurrency", String(CONCURRENCY), "--report", "report.json"],
      ws.root,
      env(),
    );
    const report = await readReport(ws.root);
    expect(report.files.map((f) => f.result)).toEqual(Array.from({ length: FILES }, () => "satisfied"));
    expect(run.code).toBe(0);
    // The first wave hits the limit together (one 429 per worker in flight); after that, one probe at a
    // time finds out whether the limit has lifted. Workers backing off on their own would each knock
    // every few hundred milliseconds: three or four 429s apiece.
    expect(rejected()).toBeGreaterThanOrEqual(CONCURRENCY);
    expect(rejected()).toBeLessThanOrEqual(CONCURRENCY + 3);
    const answered = server.requests.filter(isJudgeRequest).length - rejected();
    expect(answered).toBe(FILES);
    for (const file of report.files) {
      const [only] = file.iterations;
      expect(file.iterations).toHaveLength(1);
      expect(only?.status).toBe("graded");
      expect(Object.values(only?.verdicts ?? {}).map((v) => v.verdict)).toEqual(["pass", "pass"]);
      expect(only?.calls).toHaveLength(1);
    }
    const attempts = report.files.reduce((n, f) => n + (f.iterations[0]?.calls[0]?.attempts ?? 0), 0);
    expect(attempts).toBe(FILES + rejected());
    await ws.cleanup();
  });

  it("a retry-after beyond the deadline fails every file fast, with one request in all", async () => {
    const ws = await workspace();
    server.setHandler(() => ({
      status: 429,
      headers: { "retry-after": "3600" },
      error: { message: "slow down" },
    }));
    const run = await cli(
      ["grade", "--judge", judge, "--concurrency", "1", "--budget-seconds", "60", "--report", "report.json"],
      ws.root,
      env(),
    );
    expect(run.code).toBe(3);
    expect(server.requests).toHaveLength(1);
    const report = await readReport(ws.root);
    expect(report.gate.passed).toBe(false);
    expect(new Set(report.files.map((f) => f.result))).toEqual(new Set(["grader_error"]));
    expect(report.files[0]?.reason).toMatch(/retry after 3600 s/);
    expect(report.files[1]?.reason).toMatch(/paused for 3\d{3}(\.\d)? s after a 429/);
    await ws.cleanup();
  });
});
