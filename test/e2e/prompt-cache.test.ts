// Prompt layout for the providers' prompt caches, checked on the requests the real SDKs send: the
// stable prefix (instructions, then the rubric) comes first and is byte-identical across the files one
// rubric grades; the artifact comes last; Anthropic gets `cache_control` on the prefix only. Cached
// input tokens the server reports reach the report's totals.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JUDGE_SYSTEM_PROMPT } from "../../src/judge/prompt.js";
import type { Report } from "../../src/report/schema.js";
import { assertValidReport } from "../support/report-schema.js";
import { contains, scripted } from "../support/scripted.js";
import { cli, makeWorkspace } from "../support/workspace.js";
import { useModelServer } from "../support/servers.js";

const RUBRIC = `---
files:
  - docs/*.md
description: A user guide page.
---

Read it as a new user would.

- Has an Install section. {#install}
- Has a Usage section. {#usage}
`;
const FILES = {
  "rubrics/guide.md": RUBRIC,
  "docs/a.md": "# Alpha\n\n## Install\n\nALPHA-BODY\n",
  "docs/b.md": "# Beta\n\n## Usage\n\nBETA-BODY\n",
};

const server = useModelServer();

const judge = scripted({ judge: { install: contains("## Install"), usage: contains("## Usage") } });

async function gradeWith(
  spec: string,
  env: Record<string, string>,
  rubric = RUBRIC,
): Promise<{ report: Report; bodies: Record<string, unknown>[] }> {
  const ws = await makeWorkspace({ ...FILES, "rubrics/guide.md": rubric });
  // Every answer says 700 of its input tokens came from the provider's prompt cache.
  server.setHandler(async (req) => ({
    ...(await judge(req)),
    usage: { input: 1_000, cached: 700 },
  }));
  await cli(["grade", "--judge", spec, "--concurrency", "1", "--report", "report.json"], ws.root, env);
  const report = JSON.parse(await readFile(join(ws.root, "report.json"), "utf8")) as Report;
  assertValidReport(report);
  await ws.cleanup();
  return { report, bodies: server.requests.map((r) => r.body as Record<string, unknown>) };
}

function expectCachedTokensInReport(report: Report): void {
  expect(report.totals).toMatchObject({ calls: 2, input_tokens: 2_000, cached_input_tokens: 1_400 });
  for (const file of report.files) {
    expect(file.usage.cached_input_tokens).toBe(700);
    expect(file.iterations[0]?.usage.cached_input_tokens).toBe(700);
  }
}

type Block = { type: string; text: string; cache_control?: unknown };

describe("prompt caching", () => {
  it("Anthropic: cache_control on the system prompt and the rubric block, never on the artifact", async () => {
    const { report, bodies } = await gradeWith("anthropic:claude-sonnet-4-6", {
      ANTHROPIC_API_KEY: "test-key",
      ANTHROPIC_BASE_URL: server.anthropicBaseURL,
    });
    expect(bodies).toHaveLength(2);
    const prefixes: string[] = [];
    for (const [index, body] of bodies.entries()) {
      const marker = index === 0 ? "ALPHA-BODY" : "BETA-BODY";
      expect(body.system).toEqual([
        { type: "text", text: JUDGE_SYSTEM_PROMPT, cache_control: { type: "ephemeral" } },
      ]);
      const messages = body.messages as Array<{ role: string; content: Block[] }>;
      expect(messages).toHaveLength(1);
      const [rubric, artifact, ...rest] = messages[0]!.content;
      expect(rest).toEqual([]);
      expect(rubric?.cache_control).toEqual({ type: "ephemeral" });
      expect(rubric?.text).toMatch(/^Description of the artifact/);
      expect(rubric?.text).toContain("- [install] Has an Install section.");
      expect(rubric?.text).toContain("Read it as a new user would.");
      expect(rubric?.text).not.toContain(marker);
      expect(artifact?.cache_control).toBeUndefined();
      expect(artifact?.text).toContain(marker);
      // No breakpoint on the tool itself: the system breakpoint already covers tools → system.
      expect(JSON.stringify(body.tools)).not.toContain("cache_control");
      prefixes.push(rubric!.text);
    }
    expect(prefixes[1]).toBe(prefixes[0]);
    expectCachedTokensInReport(report);
  });

  it("OpenAI: the system message, then a user message that starts with the same rubric text", async () => {
    const { report, bodies } = await gradeWith("openai:gpt-4.1", {
      OPENAI_API_KEY: "test-key",
      OPENAI_BASE_URL: server.openaiBaseURL,
    });
    expect(bodies).toHaveLength(2);
    const users: string[] = [];
    for (const body of bodies) {
      const messages = body.messages as Array<{ role: string; content: string }>;
      expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
      expect(messages[0]?.content).toBe(JUDGE_SYSTEM_PROMPT);
      expect(messages[1]?.content).toMatch(/^Description of the artifact/);
      users.push(messages[1]!.content);
    }
    const [a, b] = users as [string, string];
    // The two requests agree up to the artifact's path: the whole rubric is a common prefix.
    let common = 0;
    while (common < a.length && a[common] === b[common]) common++;
    const prefix = a.slice(0, common);
    expect(prefix).toContain("- [install] Has an Install section.");
    expect(prefix).toContain("- [usage] Has a Usage section.");
    expect(prefix).toContain("Read it as a new user would.");
    expect(prefix).not.toContain("ALPHA-BODY");
    expect(a.indexOf("ALPHA-BODY")).toBeGreaterThan(a.indexOf("Read it as a new user would."));
    // The schema rides in response_format, after the messages, identical for both files.
    expect(JSON.stringify(bodies[0]?.response_format)).toBe(JSON.stringify(bodies[1]?.response_format));
    // One prompt_cache_key for both files of the rubric: a digest, carrying no text of the rubric.
    const keys = bodies.map((body) => body["prompt_cache_key"]);
    expect(keys[0]).toMatch(/^rubric-gate-judge-[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
    expectCachedTokensInReport(report);
  });

  it("OpenAI: another rubric gets another prompt_cache_key; an OpenAI-compatible server gets none", async () => {
    const openai = await gradeWith("openai:gpt-4.1", {
      OPENAI_API_KEY: "test-key",
      OPENAI_BASE_URL: server.openaiBaseURL,
    });
    server.requests.length = 0;
    const other = await gradeWith(
      "openai:gpt-4.1",
      { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL },
      RUBRIC.replace("Read it as a new user would.", "Read it as an expert would."),
    );
    expect(other.bodies[0]?.["prompt_cache_key"]).toMatch(/^rubric-gate-judge-/);
    expect(other.bodies[0]?.["prompt_cache_key"]).not.toBe(openai.bodies[0]?.["prompt_cache_key"]);
    server.requests.length = 0;
    const compatible = await gradeWith("openai-compatible:llama3", { OPENAI_BASE_URL: server.openaiBaseURL });
    expect(compatible.bodies).toHaveLength(2);
    for (const body of compatible.bodies) expect(body).not.toHaveProperty("prompt_cache_key");
  });
});
