// Deterministic checks end to end (SPEC §10) on this repository's own docs: every tracked file is in
// the workspace (markdown with its text, the rest as empty files, since a link only needs its target
// to exist), graded by a rubric of checks only — no key, no model call.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { requestText } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { contains, criterionIds, isJudgeRequest, scripted, verdictsFor } from "../support/scripted.js";
import { providerEnv, useModelServer } from "../support/servers.js";
import { cli, makeWorkspace } from "../support/workspace.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const server = useModelServer();

function ownDocs(): Record<string, string> {
  const files: Record<string, string> = {};
  const tracked = execFileSync("git", ["ls-files"], { cwd: REPO, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  for (const path of tracked) {
    files[path] = /\.md$/i.test(path) ? readFileSync(`${REPO}/${path}`, "utf8") : "";
  }
  return files;
}

/** The repository's own rubrics stay where they are; this one sits beside them. */
const RUBRICS = "gate/*.md";
const RUBRIC = `---
files:
  - README.md
  - CHANGELOG.md
  - docs/**/*.md
description: The project's documentation.
---

- Every relative link and #anchor resolves. {#links check=links}
- Is long enough to be useful. {#words check=words min=100}
`;

describe("a rubric of checks only, on this repository's docs", () => {
  it("passes with no key and no model call, and fails a broken link and a missing anchor at file:line", async () => {
    const docs = ownDocs();
    expect(Object.keys(docs)).toContain("README.md");
    const ws = await makeWorkspace({ ...docs, "gate/docs.md": RUBRIC });
    try {
      // No judge and no key at all.
      const clean = await cli(["grade", "--rubrics", RUBRICS, "--report", "report.json"], ws.root, {});
      const report = JSON.parse(await ws.read("report.json")) as Report;
      assertValidReport(report);
      expect(report.files.map((f) => [f.path, f.result])).toEqual(
        expect.arrayContaining([
          ["README.md", "satisfied"],
          ["CHANGELOG.md", "satisfied"],
        ]),
      );
      expect(report.files.every((f) => f.result === "satisfied")).toBe(true);
      expect(
        report.totals,
        JSON.stringify(report.files.map((f) => f.iterations.map((i) => i.calls))),
      ).toMatchObject({ calls: 0 });
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);

      // A judge configured changes nothing: the checks decide, no request is sent.
      const withJudge = await cli(
        ["grade", "--rubrics", RUBRICS, "--judge", "openai:gpt-4.1"],
        ws.root,
        providerEnv(server, "openai"),
      );
      expect(withJudge.code, withJudge.stdout + withJudge.stderr).toBe(0);
      expect(server.requests).toEqual([]);

      // Break one link and one anchor in the README; the checks name them with file:line.
      const readme = docs["README.md"]!;
      const lines = readme.split("\n").length;
      const broken = `${readme}\nSee [the guide](docs/no-such-guide.md) and [the install](#no-such-section).\n`;
      const failing = await makeWorkspace({ ...docs, "README.md": broken, "gate/docs.md": RUBRIC });
      try {
        const run = await cli(["grade", "--rubrics", RUBRICS, "README.md"], failing.root, {});
        expect(run.code).toBe(1);
        const at = lines + 1;
        expect(run.stdout).toContain(`README.md:${at}: fail links: 2 of `);
        expect(run.stdout).toContain(
          `line ${at}: docs/no-such-guide.md (docs/no-such-guide.md does not exist)`,
        );
        expect(run.stdout).toContain(
          `line ${at}: #no-such-section (no heading in this file has the anchor #no-such-section)`,
        );
      } finally {
        await failing.cleanup();
      }
    } finally {
      await ws.cleanup();
    }
  });
});

describe("checks beside judged criteria", () => {
  it("the judge is asked only the rest; the writer sees the check's verdict, and its revision is re-checked", async () => {
    const rubric = `---\nfiles: ["docs/*.md"]\ndescription: A guide.\n---\n\n- Has an Install section. {#install}\n- Leaves no TODO. {#no-todo check=absent pattern="TODO"}\n`;
    const ws = await makeWorkspace({
      "rubrics/guide.md": rubric,
      "docs/guide.md": "# Guide\n\n## Install\n\nnpm i widget\n\nTODO: usage\n",
    });
    server.setHandler(
      scripted({
        judge: (_req, ids) => ({ json: verdictsFor(ids, "## Install", { install: contains("## Install") }) }),
        writer: () => [{ find: "TODO: usage\n", replace: "Run `widget --help`.\n" }],
      }),
    );
    try {
      const run = await cli(
        ["grade", "--judge", "openai:gpt-4.1", "--revise", "--report", "report.json"],
        ws.root,
        providerEnv(server, "openai"),
      );
      const report = JSON.parse(await ws.read("report.json")) as Report;
      const judgeRequests = server.requests.filter(isJudgeRequest);
      expect(judgeRequests.map(criterionIds)).toEqual([["install"], ["install"]]);
      const writerRequest = server.requests.find((r) => !isJudgeRequest(r))!;
      expect(requestText(writerRequest)).toContain(
        'The file contains the text \\"TODO\\" at line 7; remove it.',
      );
      const [original, revision] = report.files[0]!.iterations;
      expect(original!.verdicts["no-todo"]).toMatchObject({ verdict: "fail", line: 7, location: "line 7" });
      expect(revision!.verdicts["no-todo"]).toMatchObject({ verdict: "pass" });
      expect(report.files[0]!.result).toBe("satisfied");
      expect(await ws.read("docs/guide.md")).not.toContain("TODO");
      expect(run.code).toBe(0);
    } finally {
      await ws.cleanup();
    }
  });
});
