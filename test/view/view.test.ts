import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { reportPage } from "../../src/view/report-page.js";
import { scoreChart } from "../../src/view/svg.js";
import { viewOf } from "../../src/view/view.js";
import { file, report } from "../support/report-builder.js";

const HOSTILE = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;

describe("the report page", () => {
  it("writes every string of the report as text, never as markup", () => {
    const html = reportPage(
      report([
        file({
          path: `docs/${HOSTILE}.md`,
          rubric: `rubrics/${HOSTILE}.md`,
          reason: HOSTILE,
          iterations: [
            {
              verdicts: {
                [`id-${HOSTILE}`]: {
                  verdict: "pass",
                  evidence: HOSTILE,
                  explanation: HOSTILE,
                  location: HOSTILE,
                },
              },
              summary: HOSTILE,
              error: HOSTILE,
            },
          ],
        }),
      ]),
    );
    const body = html.slice(html.indexOf("<body>"));
    expect(body).not.toContain("<script>alert");
    expect(body).not.toContain("<img");
    expect(body).toContain(
      "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;",
    );
    // The one script on the page is its own, after the content.
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it("removes invisible characters and redacts token-shaped strings", () => {
    const token = `ghp_${"a".repeat(36)}`;
    const html = reportPage(
      report([
        file({
          path: "docs/evil\u202Etxt.md",
          verdicts: { a: { verdict: "fail", explanation: `key ${token}` } },
        }),
      ]),
    );
    expect(html).not.toContain("\u202E");
    expect(html).toContain("docs/eviltxt.md");
    expect(html).not.toContain(token);
    expect(html).toContain("[REDACTED]");
  });

  it("allows its own style and script by hash and forbids every fetch", () => {
    const html = reportPage(report([file({ path: "a.md", verdicts: { a: "pass" } })]));
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(csp).toContain("default-src 'none'");
    const sha = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    expect(csp).toContain(`style-src ${sha(style)}`);
    expect(csp).toContain(`script-src ${sha(script)}`);
    expect(csp).not.toMatch(/connect-src|img-src|font-src|unsafe/);
    expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//);
  });

  it("flags evidence the judge invented and marks the file for the unverified filter", () => {
    const html = reportPage(
      report([
        file({
          path: "docs/a.md",
          verdicts: {
            quoted: {
              verdict: "fail",
              evidence: "not in the file",
              evidence_verified: false,
              unverified: true,
            },
          },
        }),
        file({ path: "docs/b.md", verdicts: { quoted: "pass" } }),
      ]),
    );
    expect(html).toContain("unverified: the quote is not in the file");
    expect(html).toMatch(/data-unverified="1" data-path="docs\/a.md"/);
    expect(html).toMatch(/data-unverified="0" data-path="docs\/b.md"/);
  });

  it("shows criterion text from the report's rubrics, iteration diffs and what was not graded", () => {
    const r = report(
      [
        file({
          path: "docs/a.md",
          iterations: [
            { verdicts: { scope: "fail" } },
            { verdicts: { scope: "pass" }, diff: "@@ -1 +1 @@\n-old\n+new\n" },
          ],
        }),
        file({ path: "big.md", result: "skipped", skip_kind: "too_large", reason: "over 262144 bytes" }),
      ],
      {
        rubrics: {
          "rubrics/docs.md": {
            sha256: "c".repeat(64),
            criteria: [{ id: "scope", text: "States its scope.", advisory: false }],
          },
        },
      },
    );
    const html = reportPage(r);
    expect(html).toContain("States its scope.");
    expect(html).toContain('<span class="del">-old</span><span class="add">+new</span>');
    expect(html).toContain("Not graded (1)");
    // Inside a hunk, a removed "--" line or an added "++" line is a change, not a file header.
    const rules = reportPage(
      report([
        file({
          path: "docs/b.md",
          iterations: [
            { verdicts: { scope: "fail" } },
            {
              verdicts: { scope: "pass" },
              diff: "--- iteration 0\n+++ iteration 1\n@@ -1 +1 @@\n--- old rule\n+++ new rule\n",
            },
          ],
        }),
      ]),
    );
    expect(rules).toContain(
      '<span class="hunk">--- iteration 0</span><span class="hunk">+++ iteration 1</span>',
    );
    expect(rules).toContain('<span class="del">--- old rule</span><span class="add">+++ new rule</span>');
    expect(html).toContain("over 262144 bytes");
  });
});

describe("the score chart", () => {
  it("rings the best iteration and says when the last one regressed", () => {
    const svg = scoreChart(
      [
        { index: 0, score: 0.25, note: "" },
        { index: 1, score: 0.75, note: "" },
        { index: 2, score: 0.5, note: "" },
      ],
      1,
      "chart",
    );
    expect(svg).toContain("best 0.75");
    expect(svg).toContain("regressed 0.50");
    expect(svg).toContain("iteration 1: 0.75 (best)");
  });

  it("says nothing of a regression when the last iteration is the best, and never draws an ungraded one as 0", () => {
    const svg = scoreChart(
      [
        { index: 0, score: 0.5, note: "" },
        { index: 1, score: null, note: "writer error" },
        { index: 2, score: 1, note: "" },
      ],
      2,
      "chart",
    );
    expect(svg).not.toContain("regressed");
    expect(svg).toContain("iteration 1: not graded (writer error)");
    expect(svg).toContain('stroke-dasharray="2 2"');
  });
});

describe("viewOf", () => {
  it("names where a document does not fit the report schema", () => {
    const viewed = viewOf({ version: 1, files: "nope" });
    expect(viewed.ok).toBe(false);
    if (!viewed.ok) {
      expect(viewed.message).toMatch(/^not a rubric-gate report: at /);
      expect(viewed.message).toContain("grade --report FILE");
    }
    const calibration = viewOf({ kind: "calibration" });
    expect(calibration.ok).toBe(false);
    if (!calibration.ok) expect(calibration.message).toContain("calibrate --report FILE");
  });

  it("renders an empty run with its gate", () => {
    const viewed = viewOf(report([]));
    expect(viewed.ok && viewed.html).toContain("Nothing to grade");
  });
});
