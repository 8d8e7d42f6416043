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

describe("reference context (SPEC §10)", () => {
  const REFERENCE = "# CLI reference\n\n- `--dry-run`: print the plan.\n- `--json`: print JSON.\n";
  const rubricWith = (context: string) =>
    `---\nfiles: ["docs/*.md"]\ndescription: A guide.\n${context}---\n\n- Every flag it shows exists in the CLI reference. {#flags}\n`;
  /** Passes only when every flag of the artifact is in a reference block named reference/cli.md. */
  const flagsJudge = scripted({
    judge: (req, ids, artifact) => {
      const text = requestText(req);
      const block = /<reference-([0-9a-f]{24})>\n"reference\/cli\.md"\n([\s\S]*?)\n<\/reference-\1>/.exec(
        text,
      );
      const known = new Set(block?.[2]?.match(/--[a-z-]+/g) ?? []);
      const shown = artifact.match(/--[a-z-]+/g) ?? [];
      const missing = shown.filter((f) => !known.has(f));
      const line = artifact.split("\n").find((l) => l.includes("--")) ?? "";
      return {
        json: {
          criteria: Object.fromEntries(
            ids.map((id) => [
              id,
              block && missing.length === 0
                ? { evidence: line, explanation: "every flag is in the reference", verdict: "pass" }
                : {
                    evidence: line,
                    explanation: `not in the reference: ${missing.join(", ")}`,
                    verdict: "fail",
                  },
            ]),
          ),
          applicable: true,
          summary: "graded",
        },
      };
    },
  });

  for (const provider of ["openai", "anthropic"] as const) {
    it(`${provider}: a criterion passes only with the reference file in the judge's context, in the cached prefix`, async () => {
      const files = {
        "docs/guide.md": "# Guide\n\nRun `rubric-gate grade --dry-run` first.\n",
        "reference/cli.md": REFERENCE,
        "reference/.env": "OPENAI_API_KEY=sk-live-secret-value",
      };
      server.setHandler(flagsJudge);
      const spec = provider === "openai" ? "openai:gpt-4.1" : "anthropic:claude-sonnet-4-6";
      const without = await makeWorkspace({ ...files, "rubrics/guide.md": rubricWith("") });
      const withContext = await makeWorkspace({
        ...files,
        "rubrics/guide.md": rubricWith('context: ["reference/**"]\n'),
      });
      try {
        expect(
          (await cli(["grade", "--judge", spec], without.root, providerEnv(server, provider))).code,
        ).toBe(1);
        const run = await cli(["grade", "--judge", spec], withContext.root, providerEnv(server, provider));
        expect(run.code).toBe(0);
        const request = server.requests[1]!;
        const text = requestText(request);
        // Before the artifact, and never the secret-shaped file (which is named as left out).
        expect(text.indexOf("<reference-")).toBeLessThan(text.indexOf("<artifact-"));
        expect(text).not.toContain("sk-live-secret-value");
        expect(run.stderr + run.stdout).toContain("reference/.env is left out");
        if (provider === "anthropic") {
          const content = (
            request.body as {
              messages: Array<{ content: Array<{ text?: string; cache_control?: unknown }> }>;
            }
          ).messages[0]!.content;
          const cached = content.find((block) => block.cache_control !== undefined);
          expect(cached?.text).toContain("--json");
          expect(cached?.text).not.toContain("<artifact-");
        }
        // The dry run counts the reference files in the prompt.
        const plan = (dir: string) =>
          cli(["grade", "--dry-run", "--json", "--judge", spec], dir, {}).then(
            (r) =>
              (JSON.parse(r.stdout) as { entries: Array<{ promptChars: number }> }).entries[0]!.promptChars,
          );
        expect((await plan(withContext.root)) - (await plan(without.root))).toBeGreaterThan(REFERENCE.length);
      } finally {
        await without.cleanup();
        await withContext.cleanup();
      }
    });
  }
});
