// Grader tools (SPEC §10) end to end through both SDKs: the local model server speaks each provider's
// tool-calling wire format, the judge calls read-only tools before it answers, and nothing outside the
// workspace (or secret-shaped) is reachable.
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import {
  requestSchemaName,
  requestText,
  requestToolNames,
  requestToolResults,
  type CapturedRequest,
  type Handler,
} from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { criterionIds } from "../support/scripted.js";
import { providerEnv, useModelServer } from "../support/servers.js";
import { cli, makeWorkspace } from "../support/workspace.js";

const server = useModelServer();

const RUBRIC = `---
files: ["docs/*.md"]
description: A CLI guide.
tools: true
---

- Every flag it shows exists in the CLI's flag table. {#flags}
`;

type Call = { name: string; arguments: unknown };

/**
 * A judge that makes the planned tool calls, turn by turn, then answers: `pass` when `decide` finds
 * what it needs in the tool results it got back.
 */
function toolJudge(turns: Call[][], decide: (results: string[]) => boolean): Handler {
  return (req: CapturedRequest) => {
    if (requestSchemaName(req) !== "rubric_verdicts") return { json: {} };
    const results = requestToolResults(req);
    let made = 0;
    for (const turn of turns) {
      if (made === results.length) return { toolCalls: turn };
      made += turn.length;
    }
    const pass = decide(results.map((r) => r.content));
    return {
      json: {
        criteria: Object.fromEntries(
          criterionIds(req).map((id) => [
            id,
            pass
              ? { evidence: "--dry-run", explanation: "the flag table lists --dry-run", verdict: "pass" }
              : { evidence: "", explanation: "the flag table does not list it", verdict: "fail" },
          ]),
        ),
        applicable: true,
        summary: "graded",
      },
    };
  };
}

const outside = await mkdtemp(join(tmpdir(), "rubric-gate-outside-"));
await writeFile(join(outside, "secret.txt"), "OUTSIDE-SECRET-1");
afterAll(() => rm(outside, { recursive: true, force: true }));

async function workspace() {
  const ws = await makeWorkspace({
    "rubrics/guide.md": RUBRIC,
    "docs/guide.md": "# Guide\n\nRun `tool grade --dry-run` to see the plan.\n",
    "src/flags.ts": 'export const FLAGS = ["--dry-run", "--json"];\n',
    ".env": "OPENAI_API_KEY=ENV-SECRET-2",
    ".git/config": "[remote] url = GIT-SECRET-3",
    "config/credentials.json": '{"token": "CRED-SECRET-4"}',
  });
  await symlink(join(outside, "secret.txt"), join(ws.root, "docs/link-out.md"));
  return ws;
}

describe.each(["openai", "anthropic"] as const)("grader tools through the %s SDK", (provider) => {
  const spec = provider === "openai" ? "openai:gpt-4.1" : "anthropic:claude-sonnet-4-6";
  /** Grades the workspace through this provider's SDK; the report is checked against its schema. */
  const grade = async (ws: { root: string; read(path: string): Promise<string> }) => {
    const run = await cli(
      ["grade", "--judge", spec, "--report", "report.json"],
      ws.root,
      providerEnv(server, provider),
    );
    const report = JSON.parse(await ws.read("report.json")) as Report;
    assertValidReport(report);
    return { run, report };
  };

  it("a criterion decided through two tool calls: results delimited as data, every call in the report", async () => {
    const ws = await workspace();
    server.setHandler(
      toolJudge(
        [
          [{ name: "search_text", arguments: { text: "--dry-run", glob: "src/**" } }],
          [{ name: "read_file", arguments: { path: "src/flags.ts" } }],
        ],
        (results) => results.some((r) => r.includes('"--dry-run"')),
      ),
    );
    try {
      const { run, report } = await grade(ws);
      expect(report.files[0]!.result).toBe("satisfied");
      expect(run.code).toBe(0);
      // Three requests: the question, then one after each tool call, each with the tools offered.
      expect(server.requests).toHaveLength(3);
      expect(server.requests.map(requestToolNames)).toEqual(
        Array(3).fill(["read_file", "list_files", "search_text"]),
      );
      const last = requestToolResults(server.requests[2]!);
      expect(last).toHaveLength(2);
      expect(last[0]!.content).toMatch(/^<tool-result-([0-9a-f]{24})>\nsrc\/flags\.ts:1: export const FLAGS/);
      expect(last[1]!.content).toMatch(
        /^<tool-result-([0-9a-f]{24})>\n1: export const FLAGS = \["--dry-run", "--json"\];\n<\/tool-result-\1>$/,
      );
      // The nonce of the results is the one the judge's message announced.
      const nonce = /NONCE is ([0-9a-f]{24})/.exec(requestText(server.requests[0]!))![1];
      expect(last[0]!.content.startsWith(`<tool-result-${nonce}>`)).toBe(true);
      expect(report.files[0]!.iterations[0]!.calls[0]!.tool_calls).toEqual([
        {
          tool: "search_text",
          arguments: '{"text":"--dry-run","glob":"src/**"}',
          chars: expect.any(Number) as number,
          refused: null,
        },
        {
          tool: "read_file",
          arguments: '{"path":"src/flags.ts"}',
          chars: expect.any(Number) as number,
          refused: null,
        },
      ]);
    } finally {
      await ws.cleanup();
    }
  });

  it("nothing outside the workspace is reachable: ../, an absolute path, a link out, .git/, .env, credentials", async () => {
    const ws = await workspace();
    const tries: Call[] = [
      { name: "read_file", arguments: { path: "../secret.txt" } },
      { name: "read_file", arguments: { path: join(outside, "secret.txt") } },
      { name: "read_file", arguments: { path: "docs/link-out.md" } },
      { name: "read_file", arguments: { path: ".git/config" } },
      { name: "read_file", arguments: { path: ".env" } },
      { name: "read_file", arguments: { path: "config/credentials.json" } },
      { name: "search_text", arguments: { text: "SECRET" } },
      { name: "list_files", arguments: { glob: "**" } },
    ];
    server.setHandler(toolJudge([tries], () => false));
    try {
      const { run, report } = await grade(ws);
      const everything = JSON.stringify(server.requests.map((r) => r.body));
      for (const secret of ["OUTSIDE-SECRET-1", "ENV-SECRET-2", "GIT-SECRET-3", "CRED-SECRET-4"]) {
        expect(everything).not.toContain(secret);
      }
      const calls = report.files[0]!.iterations[0]!.calls[0]!.tool_calls!;
      expect(calls.slice(0, 6).map((c) => c.refused)).toEqual([
        expect.stringContaining("outside the repository"),
        expect.stringContaining("absolute path"),
        expect.stringMatching(/symbolic link/),
        expect.stringContaining("secret-shaped"),
        expect.stringContaining("secret-shaped"),
        expect.stringContaining("secret-shaped"),
      ]);
      const listing = requestToolResults(server.requests[1]!)[7]!.content;
      expect(listing).toContain("docs/guide.md");
      expect(listing).not.toMatch(/\.env|\.git\/|credentials/);
      expect(report.files[0]!.result).toBe("needs_revision");
      expect(run.code).toBe(1);
    } finally {
      await ws.cleanup();
    }
  });

  it("a judge that will not stop calling tools is stopped at the bound: grader_error, never a verdict", async () => {
    const ws = await workspace();
    const forever: Handler = (req) =>
      requestSchemaName(req) === "rubric_verdicts"
        ? { toolCalls: [{ name: "list_files", arguments: { glob: "docs/*" } }] }
        : { json: {} };
    server.setHandler(forever);
    try {
      const { run, report } = await grade(ws);
      expect(report.files[0]!.result).toBe("grader_error");
      expect(report.files[0]!.reason).toContain("more than 10 tool calls in one grade");
      expect(server.requests).toHaveLength(11);
      expect(report.files[0]!.iterations[0]!.calls[0]!.tool_calls).toHaveLength(10);
      expect(run.code).toBe(3);
    } finally {
      await ws.cleanup();
    }
  });
});
