// The verdict cache through the CLI (`--cache DIR`) and the real SDK: unchanged files are not sent
// again, and exactly what changed — a file, the rubric, the judge — is graded anew.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { assertValidReport } from "../support/report-schema.js";
import { artifactOf, contains, isJudgeRequest, scripted } from "../support/scripted.js";
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
const GOOD = "# A\n\n## Install\n\nnpm i a\n\n## Usage\n\na run\n";
const PARTIAL = "# B\n\n## Install\n\nnpm i b\n";

const server = useModelServer({ keepRequests: true });
beforeEach(() => {
  server.requests.length = 0;
  server.setHandler(scripted({ judge: RULES }));
});

const env = () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL });
const CACHE = ".rubric-gate/cache";

async function grade(
  root: string,
  judge = "openai:gpt-4.1",
): Promise<{ code: number; report: Report; sent: string[] }> {
  server.requests.length = 0;
  const run = await cli(
    ["grade", "--judge", judge, "--cache", CACHE, "--report", "report.json"],
    root,
    env(),
  );
  const report = JSON.parse(await readFile(join(root, "report.json"), "utf8")) as Report;
  assertValidReport(report);
  // Which files the judge was sent, by their content's first line.
  const sent = server.requests.filter(isJudgeRequest).map((r) => artifactOf(r).split("\n")[0] ?? "");
  return { code: run.code, report, sent: sent.sort() };
}

const cachedByPath = (report: Report) =>
  Object.fromEntries(report.files.map((f) => [f.path, f.iterations.map((i) => i.cached)]));

describe("--cache DIR", () => {
  it("a second run over unchanged files makes no model call; a change re-grades exactly what changed", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": RUBRIC,
      "docs/a.md": GOOD,
      "docs/b.md": PARTIAL,
      "docs/c.md": GOOD.replace("# A", "# C"),
    });

    const first = await grade(ws.root);
    expect(first.sent).toEqual(["# A", "# B", "# C"]);
    expect(first.report.totals).toMatchObject({ calls: 3, judge_calls: 3, cached_grades: 0 });
    expect(cachedByPath(first.report)).toEqual({
      "docs/a.md": [false],
      "docs/b.md": [false],
      "docs/c.md": [false],
    });
    expect(await readdir(join(ws.root, CACHE))).toHaveLength(3);

    // Unchanged: nothing is sent, every grade is marked cached, the results and the gate are the same.
    const second = await grade(ws.root);
    expect(server.requests).toHaveLength(0);
    expect(second.code).toBe(first.code);
    expect(second.report.totals).toMatchObject({
      calls: 0,
      judge_calls: 0,
      input_tokens: 0,
      output_tokens: 0,
      cached_grades: 3,
      cost_usd: 0,
    });
    expect(cachedByPath(second.report)).toEqual({
      "docs/a.md": [true],
      "docs/b.md": [true],
      "docs/c.md": [true],
    });
    expect(second.report.files.map((f) => f.result)).toEqual(first.report.files.map((f) => f.result));
    expect(second.report.files[1]?.iterations[0]?.verdicts).toEqual(
      first.report.files[1]?.iterations[0]?.verdicts,
    );
    expect(second.report.files[0]?.iterations[0]?.calls).toEqual([]);

    // One file changes: only it is sent.
    await writeFile(join(ws.root, "docs/b.md"), PARTIAL + "\n## Usage\n\nb run\n");
    const third = await grade(ws.root);
    expect(third.sent).toEqual(["# B"]);
    expect(cachedByPath(third.report)).toEqual({
      "docs/a.md": [true],
      "docs/b.md": [false],
      "docs/c.md": [true],
    });
    expect(third.report.files[1]?.result).toBe("satisfied");

    // The rubric changes (guidance only, same criteria): every file is graded again.
    await writeFile(join(ws.root, "rubrics/guide.md"), RUBRIC + "\nBe strict about the examples.\n");
    expect((await grade(ws.root)).sent).toEqual(["# A", "# B", "# C"]);
    expect((await grade(ws.root)).sent).toEqual([]);

    // Another judge model: every file is graded again; the first judge's entries stay valid.
    expect((await grade(ws.root, "openai:gpt-4.1-mini")).sent).toEqual(["# A", "# B", "# C"]);
    expect((await grade(ws.root)).sent).toEqual([]);
    await ws.cleanup();
  });

  it("never caches an error, and ignores a corrupt entry", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/a.md": GOOD, "docs/b.md": PARTIAL });
    const good = scripted({ judge: RULES });
    // The judge answers garbage for b (twice: the corrective retry too).
    server.setHandler((req) => (artifactOf(req).startsWith("# B") ? { text: "not json" } : good(req)));
    const first = await grade(ws.root);
    expect(first.code).toBe(3);
    expect(first.report.files.map((f) => f.result)).toEqual(["satisfied", "grader_error"]);
    expect(await readdir(join(ws.root, CACHE))).toHaveLength(1);

    server.setHandler(good);
    const second = await grade(ws.root);
    expect(second.sent).toEqual(["# B"]);
    expect(second.report.files.map((f) => f.result)).toEqual(["satisfied", "needs_revision"]);

    // Corrupt every entry: the run grades again instead of failing, and rewrites them.
    const dir = join(ws.root, CACHE);
    for (const name of await readdir(dir)) await writeFile(join(dir, name), '{"version": 1, "verdicts": ');
    const third = await grade(ws.root);
    expect(third.sent).toEqual(["# A", "# B"]);
    expect((await grade(ws.root)).sent).toEqual([]);
    await ws.cleanup();
  });

  it("is off without the flag", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, "docs/a.md": GOOD });
    for (let i = 0; i < 2; i++) {
      server.requests.length = 0;
      const run = await cli(["grade", "--judge", "openai:gpt-4.1"], ws.root, env());
      expect(run.code).toBe(0);
      expect(server.requests).toHaveLength(1);
    }
    await ws.cleanup();
  });
});
