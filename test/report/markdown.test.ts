import { describe, expect, it } from "vitest";
import { buildAnnotations, chunk } from "../../src/report/annotations.js";
import { CHECK_SUMMARY_LIMIT, escapeCell, fencedBlock, renderSummary } from "../../src/report/markdown.js";
import type { FileReport } from "../../src/report/schema.js";
import { file, report } from "../support/report-builder.js";

function manyFiles(count: number): FileReport[] {
  return Array.from({ length: count }, (_, i) =>
    file({
      path: `docs/page-${i}.md`,
      verdicts: {
        purpose: { verdict: i % 2 === 0 ? "fail" : "pass", explanation: "x".repeat(400), line: 2 },
        audience: "pass",
      },
      diff: i % 2 === 0 ? `--- a\n+++ b\n@@ -1 +1 @@\n-old\n+${"new ".repeat(200)}\n` : null,
      changed: i % 2 === 0,
    }),
  );
}

/** The cells of a markdown table row, splitting on unescaped pipes. */
function cells(row: string): string[] {
  return row.split(/(?<!\\)\|/).slice(1, -1);
}

describe("renderSummary", () => {
  it("never exceeds maxLength, and says how many files' details were left out", () => {
    const run = report(manyFiles(300));
    for (const maxLength of [CHECK_SUMMARY_LIMIT, 20_000, 5_000, 1_000, 200, 20]) {
      const text = renderSummary(run, { maxLength });
      expect(text.length).toBeLessThanOrEqual(maxLength);
    }
    const text = renderSummary(run, {
      maxLength: CHECK_SUMMARY_LIMIT,
      fullReportHint: "the `rubric-gate-report` artifact",
    });
    const shown = text.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(300);
    expect(text).toContain(`Details of ${300 - shown} of 300 files were left out`);
    expect(text).toContain("the `rubric-gate-report` artifact");
    // The table still lists every file, failing ones first.
    const rows = text.split("\n").filter((line) => line.startsWith("| docs/page-"));
    expect(rows).toHaveLength(300);
    expect(rows[0]).toContain("page-0.md");
    expect(rows[149]).toContain("❌");
    expect(rows[150]).toContain("✅");
    expect(text).toContain("**Totals:**");
  });

  it("drops table rows too when even the table does not fit, with a note", () => {
    const text = renderSummary(report(manyFiles(300)), { maxLength: 5_000 });
    expect(text.length).toBeLessThanOrEqual(5_000);
    expect(text).toMatch(/\| … \d+ more files, see the full report/);
  });

  it("renders everything when it fits: header, table, details, what changed, diff and totals", () => {
    const run = report([
      file({
        path: "docs/guide.md",
        result: "max_iterations_reached",
        iterations: [
          { verdicts: { purpose: "fail", audience: "pass", example: "fail" } },
          { verdicts: { purpose: "pass", audience: "fail", example: "fail" } },
          { status: "revision_rejected", error: "edit 2: `find` text occurs twice" },
        ],
        diff: "--- a/docs/guide.md\n+++ b/docs/guide.md\n@@ -1 +1 @@\n-Old\n+New with ```` fence\n",
        changed: true,
        best_iteration: 1,
      }),
      file({ path: "docs/ok.md", verdicts: { purpose: "pass" } }),
    ]);
    const text = renderSummary(run, { maxLength: CHECK_SUMMARY_LIMIT });
    expect(text).toMatch(/^### rubric-gate: ❌ FAILED: 1 graded file of 2 did not satisfy its rubric/);
    expect(text).toContain("**2** files: 1 satisfied · 1 max iterations reached");
    expect(text).toContain("| docs/guide.md | rubrics/docs.md | ❌ max iterations reached | 33% | 3 |");
    expect(text).toContain("- Iteration 1 (revision of 0): 33% → 33%; fixed purpose; regressed audience");
    expect(text).toContain("- Iteration 2: revision rejected: edit 2: \\`find\\` text occurs twice");
    expect(text).toContain("`````diff\n--- a/docs/guide.md");
    expect(text).toContain("wall time 1m 05s");
    expect(text).not.toContain("left out");
  });

  it("escapes model text: pipes, newlines, HTML, mentions, and redacts tokens", () => {
    const token = `sk-ant-${"x1".repeat(20)}`;
    const run = report([
      file({
        path: "docs/a.md",
        verdicts: {
          purpose: {
            verdict: "fail",
            explanation: `Missing | a purpose\n<img src=x onerror=alert(1)> ping @octocat ![t](https://evil.example/p.png) ${token}`,
            evidence: "we are the best",
            evidence_verified: false,
            line: null,
          },
        },
      }),
    ]);
    const text = renderSummary(run, { maxLength: CHECK_SUMMARY_LIMIT });
    const row = text.split("\n").find((line) => line.startsWith("| purpose |"));
    expect(row).toBeDefined();
    expect(cells(row ?? "")).toHaveLength(5);
    expect(row).toContain("Missing \\| a purpose<br>\\<img");
    expect(row).not.toMatch(/(?<!\\)<img/);
    expect(row).not.toContain("@octocat");
    expect(row).toContain("@\u200boctocat");
    expect(row).toContain("\\!\\[t\\]");
    expect(text).not.toContain(token);
    expect(row).toContain("quote not found in the file");
  });
});

describe("fencedBlock and escapeCell", () => {
  it("uses a fence longer than any backtick run", () => {
    expect(fencedBlock("a ``` b", "diff")).toBe("````diff\na ``` b\n````");
    expect(fencedBlock("plain")).toBe("```\nplain\n```");
  });

  it("caps the text", () => {
    expect(escapeCell("y".repeat(50), 10)).toBe(`${"y".repeat(9)}…`);
  });
});

describe("buildAnnotations", () => {
  it("annotates each failing criterion of the best iteration at its evidence line, by level", () => {
    const run = report([
      file({
        path: "docs/a.md",
        iterations: [
          {
            verdicts: {
              purpose: { verdict: "fail", line: 4 },
              audience: { verdict: "fail", advisory: true },
            },
          },
          {
            verdicts: {
              purpose: { verdict: "pass" },
              audience: { verdict: "fail", advisory: true, line: 9 },
            },
          },
        ],
        result: "satisfied",
      }),
      file({ path: "docs/b.md", result: "grader_error", reason: "the judge answered invalid JSON twice" }),
      file({ path: "img/c.png", result: "skipped", reason: "binary" }),
      file({
        path: "docs/d.md",
        result: "failed",
        verdicts: { purpose: "fail" },
        reason: "rubric is for API references",
      }),
    ]);
    expect(buildAnnotations(run)).toEqual([
      {
        path: "docs/a.md",
        start_line: 9,
        end_line: 9,
        annotation_level: "warning",
        title: "audience: fail (advisory)",
        message: "The document does not say what it is for.",
      },
      {
        path: "docs/b.md",
        start_line: 1,
        end_line: 1,
        annotation_level: "failure",
        title: "rubric-gate: grader_error",
        message:
          "The judge could not grade this file (rubric rubrics/docs.md): the judge answered invalid JSON twice",
      },
      {
        path: "docs/d.md",
        start_line: 1,
        end_line: 1,
        annotation_level: "failure",
        title: "rubric-gate: failed",
        message:
          "The rubric does not apply to this file (rubric rubrics/docs.md): rubric is for API references",
      },
    ]);
    // The original's verdicts, for versions that are not at the annotated SHA.
    const original = buildAnnotations(run, { version: "original" }).filter((a) => a.path === "docs/a.md");
    expect(original.map((a) => [a.title, a.start_line, a.annotation_level])).toEqual([
      ["purpose: fail", 4, "failure"],
      ["audience: fail (advisory)", 1, "warning"],
    ]);
  });

  it("caps messages and notes unverified quotes", () => {
    const run = report([
      file({
        path: "a.md",
        verdicts: {
          x: {
            verdict: "fail",
            explanation: "z".repeat(5_000),
            evidence: "not in file",
            evidence_verified: false,
          },
        },
      }),
    ]);
    const [annotation] = buildAnnotations(run);
    expect(annotation?.message.length).toBeLessThanOrEqual(1_000);
    expect(annotation?.raw_details).toBe("Evidence (unverified): not in file\nRubric: rubrics/docs.md");
  });
});

describe("chunk", () => {
  it("splits into groups of at most the size", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 50)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});
