import { describe, expect, it } from "vitest";
import { planFileSuggestions, suggestionBlock, suggestionComment } from "../../src/delivery/suggestions.js";

const lines = (n: number) => Array.from({ length: n }, (_, i) => `Line ${i + 1}.\n`);
/** One hunk showing RIGHT lines `from`–`to` (all context, which is all a suggestion needs). */
const hunk = (from: number, to: number, text: string[]) =>
  [
    `@@ -${from},${to - from + 1} +${from},${to - from + 1} @@`,
    ...text.slice(from - 1, to).map((l) => ` ${l.trimEnd()}`),
  ].join("\n");

describe("planFileSuggestions", () => {
  const original = lines(30);
  const text = original.join("");
  const patch = [hunk(2, 8, original), hunk(20, 24, original)].join("\n");

  it("makes a suggestion of each change inside a hunk, and leaves the rest outside", () => {
    const revised = text
      .replace("Line 5.\n", "Line five.\n")
      .replace("Line 12.\n", "Line twelve.\n")
      .replace("Line 21.\nLine 22.\n", "Lines 21 and 22.\n");
    const plan = planFileSuggestions("doc.md", text, revised, patch);
    expect(plan.suggestions.map((s) => [s.start, s.end, s.content])).toEqual([
      [5, 5, "Line five."],
      [21, 22, "Lines 21 and 22."],
    ]);
    expect(plan.outside).toEqual([{ start: 12, count: 1, lines: ["Line twelve.\n"] }]);
  });

  it("anchors an insertion on the line before it, or after it when that one is not on the diff", () => {
    const after8 = text.replace("Line 8.\n", "Line 8.\nNew after 8.\n");
    expect(
      planFileSuggestions("d", text, after8, patch).suggestions.map((s) => [s.start, s.end, s.content]),
    ).toEqual([[8, 8, "Line 8.\nNew after 8."]]);
    const before20 = text.replace("Line 20.\n", "New before 20.\nLine 20.\n");
    expect(
      planFileSuggestions("d", text, before20, patch).suggestions.map((s) => [s.start, s.end, s.content]),
    ).toEqual([[20, 20, "New before 20.\nLine 20."]]);
  });

  it("a range that crosses a hunk's edge is not a suggestion", () => {
    const revised = text.replace("Line 8.\nLine 9.\n", "Lines 8 and 9.\n");
    const plan = planFileSuggestions("d", text, revised, patch);
    expect(plan.suggestions).toEqual([]);
    expect(plan.outside).toHaveLength(1);
  });

  it("without a patch (the file is not in the diff) everything is outside", () => {
    const plan = planFileSuggestions("d", text, text.replace("Line 5.", "Five."), undefined);
    expect(plan.suggestions).toEqual([]);
    expect(plan.outside).toHaveLength(1);
  });

  it("a deletion suggests an empty block; a change to the final newline alone cannot be suggested", () => {
    const deleted = planFileSuggestions("d", text, text.replace("Line 6.\n", ""), patch);
    expect(deleted.suggestions.map((s) => [s.start, s.end, s.content])).toEqual([[6, 6, ""]]);
    const small = "a\nb";
    const eof = planFileSuggestions("d", small, "a\nb\n", "@@ -1,2 +1,2 @@\n a\n b");
    expect(eof.suggestions).toEqual([]);
    expect(eof.outside).toHaveLength(1);
  });
});

describe("suggestionBlock", () => {
  it.each([
    ["plain text", "Hello.", "```"],
    ["a fenced code block", "Example:\n\n```sh\nrun\n```", "````"],
    ["a longer backtick run", "`````\nodd\n`````", "``````"],
    ["inline code", "Use `x`.", "```"],
  ])("uses a fence longer than any backtick run in %s", (_name, content, fence) => {
    const block = suggestionBlock(content);
    expect(block).toBe(`${fence}suggestion\n${content}\n${fence}`);
    const runs = Array.from(content.matchAll(/`+/g), (m) => m[0].length);
    expect(fence.length).toBeGreaterThan(Math.max(0, ...runs));
  });

  it("an empty suggestion deletes the lines", () => {
    expect(suggestionBlock("")).toBe("```suggestion\n```");
  });
});

describe("suggestionComment", () => {
  const change = { start: 3, count: 2, lines: ["x\n"] };
  it("is a RIGHT-side single-line or range comment with the marker, the rubric and the criteria fixed", () => {
    const single = suggestionComment(
      { path: "d.md", start: 4, end: 4, content: "x", change },
      { rubric: "rubrics/a.md", fixed: ["no-todo"] },
    );
    expect(single).toMatchObject({ path: "d.md", line: 4, side: "RIGHT" });
    expect(single).not.toHaveProperty("start_line");
    expect(single?.body.startsWith("<!-- rubric-gate:suggestion -->\n")).toBe(true);
    expect(single?.body).toContain("no-todo");
    const range = suggestionComment(
      { path: "d.md", start: 3, end: 4, content: "x", change },
      { rubric: "r", fixed: [] },
    );
    expect(range).toMatchObject({ start_line: 3, start_side: "RIGHT", line: 4 });
  });

  it("a replacement too large for a comment is left to the diff", () => {
    const huge = "y".repeat(70_000);
    expect(
      suggestionComment({ path: "d", start: 1, end: 1, content: huge, change }, { rubric: "r", fixed: [] }),
    ).toBeNull();
  });
});
