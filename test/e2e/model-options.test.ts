// Model options users expect: reasoning effort and temperature per rubric and per flag, for the judge
// and the writer, and the OpenAI Responses API — through the CLI and the real SDKs against the local
// model server.
import { describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { get, isResponses, type CapturedRequest } from "../support/model-server.js";
import { artifactOf, contains, isJudgeRequest, scripted } from "../support/scripted.js";
import { useModelServer } from "../support/servers.js";
import { cli, makeWorkspace } from "../support/workspace.js";

const rubric = (settings: string, glob: string) => `---
files: ["${glob}"]
description: A user guide page.
${settings}---

- Has an Install section. {#install}
`;

const server = useModelServer();
const env = (): Record<string, string> => ({
  OPENAI_API_KEY: "test-key",
  OPENAI_BASE_URL: server.openaiBaseURL,
  ANTHROPIC_API_KEY: "test-key",
  ANTHROPIC_BASE_URL: server.anthropicBaseURL,
});

/** The effort and temperature a request carried, in whichever wire format. */
function settingsOf(req: CapturedRequest) {
  return {
    effort: isResponses(req)
      ? get(req.body, "reasoning", "effort")
      : (get(req.body, "reasoning_effort") ?? get(req.body, "output_config", "effort")),
    temperature: get(req.body, "temperature"),
  };
}

describe("reasoning effort and temperature", () => {
  it("a rubric's judge_effort / judge_temperature win over the flags; the flags fill the rest", async () => {
    const ws = await makeWorkspace({
      "rubrics/tuned.md": rubric("judge_effort: low\njudge_temperature: 0\n", "docs/tuned/*.md"),
      "rubrics/plain.md": rubric("", "docs/plain/*.md"),
      "docs/tuned/a.md": "# A\n\n## Install\n",
      "docs/plain/b.md": "# B\n\n## Install\n",
    });
    server.setHandler(scripted({ judge: { install: contains("## Install") } }));
    const run = await cli(
      ["grade", "--judge", "openai-responses:o3-pro", "--judge-effort", "high", "--report", "r.json"],
      ws.root,
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    const byFile = new Map(server.requests.map((req) => [artifactOf(req).slice(0, 3), req]));
    expect(server.requests.every((req) => req.path === "/v1/responses")).toBe(true);
    expect(settingsOf(byFile.get("# A")!)).toEqual({ effort: "low", temperature: 0 });
    expect(settingsOf(byFile.get("# B")!)).toEqual({ effort: "high", temperature: undefined });
    const report = JSON.parse(await ws.read("r.json")) as Report;
    expect(report.files.map((f) => f.result)).toEqual(["satisfied", "satisfied"]);
    expect(report.files[0]?.iterations[0]?.calls[0]?.model).toBe("openai-responses:o3-pro");
  });

  it("the writer's settings go to the writer only; the judge keeps its own", async () => {
    const ws = await makeWorkspace({
      "rubrics/docs.md": rubric("writer_effort: medium\n", "docs/*.md"),
      "docs/guide.md": "# Guide\n\nText.\n",
    });
    server.setHandler(
      scripted({
        judge: { install: contains("## Install") },
        writer: () => [{ find: "Text.", replace: "Text.\n\n## Install\n\nnpm i guide" }],
      }),
    );
    const run = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--writer-temperature", "0.5", "--revise", "--report", "r.json"],
      ws.root,
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    const judge = server.requests.filter(isJudgeRequest);
    const writer = server.requests.filter((req) => !isJudgeRequest(req));
    expect(judge.length).toBe(2);
    expect(writer.length).toBe(1);
    expect(judge.map(settingsOf)).toEqual([
      { effort: undefined, temperature: undefined },
      { effort: undefined, temperature: undefined },
    ]);
    expect(settingsOf(writer[0]!)).toEqual({ effort: "medium", temperature: 0.5 });
  });

  it("the verdict cache keeps a judge with other settings apart: its verdicts are asked for again", async () => {
    const ws = await makeWorkspace({
      "rubrics/docs.md": rubric("", "docs/*.md"),
      "docs/a.md": "# A\n\n## Install\n",
    });
    server.setHandler(scripted({ judge: { install: contains("## Install") } }));
    const args = ["grade", "--judge", "anthropic:claude-opus-4-5", "--cache", ".cache"];
    expect((await cli(args, ws.root, env())).code).toBe(0);
    expect((await cli(args, ws.root, env())).code).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect((await cli([...args, "--judge-effort", "max"], ws.root, env())).code).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect(settingsOf(server.requests[1]!)).toEqual({ effort: "max", temperature: undefined });
  });

  it("a value a provider does not take is that file's grader_error, never a pass", async () => {
    const ws = await makeWorkspace({
      "rubrics/docs.md": rubric("judge_effort: minimal\n", "docs/*.md"),
      "docs/a.md": "# A\n\n## Install\n",
    });
    server.setHandler(scripted({ judge: { install: contains("## Install") } }));
    const run = await cli(
      ["grade", "--judge", "anthropic:claude-sonnet-4-6", "--report", "r.json"],
      ws.root,
      env(),
    );
    expect(run.code).toBe(3);
    const report = JSON.parse(await ws.read("r.json")) as Report;
    expect(report.files[0]?.result).toBe("grader_error");
    expect(report.files[0]?.reason).toContain(
      "reasoning effort minimal: Anthropic takes low, medium, high, xhigh, max",
    );
    expect(server.requests).toHaveLength(0);
  });

  it("bad values are named with the expected form: flag, rubric key", async () => {
    const ws = await makeWorkspace({
      "rubrics/docs.md": rubric("judge_temperature: 3\n", "docs/*.md"),
      "docs/a.md": "# A\n",
    });
    const flag = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--judge-effort", "extreme"],
      ws.root,
      env(),
    );
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('grade: --judge-effort "extreme": ');
    expect(flag.stderr).toContain("none");
    const temperature = await cli(["grade", "--writer-temperature", "hot"], ws.root, env());
    expect(temperature.stderr).toContain('grade: --writer-temperature "hot": expected a number from 0 to 2');
    const key = await cli(["check-rubrics"], ws.root, env());
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/rubrics\/docs\.md:4: .*judge_temperature/);
    expect(key.stderr).toContain("a number from 0 to 2");
  });
});
