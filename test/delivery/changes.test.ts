import { describe, expect, it } from "vitest";
import { applyLineChanges, lineChanges, splitLines } from "../../src/delivery/changes.js";
import { hunkContaining, parsePatchHunks } from "../../src/delivery/patch.js";

describe("lineChanges", () => {
  it("groups changes into replaced line ranges of the original", () => {
    const original = "a\nb\nc\nd\ne\n";
    const revised = "a\nB\nc\nd\ninserted\ne\n";
    expect(lineChanges(original, revised)).toEqual([
      { start: 2, count: 1, lines: ["B\n"] },
      { start: 5, count: 0, lines: ["inserted\n"] },
    ]);
  });

  it.each([
    ["insertion at the top", "a\nb\n", "top\na\nb\n"],
    ["deletion", "a\nb\nc\n", "a\nc\n"],
    ["no newline at the end", "a\nb", "a\nB"],
    ["a newline added at the end", "a\nb", "a\nb\n"],
    ["CRLF lines", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\nd\r\n"],
    ["everything", "x\ny\n", "1\n2\n3\n"],
    ["from empty", "", "new\n"],
  ])("applying all of them restores the revision byte for byte: %s", (_name, original, revised) => {
    const changes = lineChanges(original, revised);
    expect(applyLineChanges(original, changes)).toBe(revised);
    expect(applyLineChanges(original, [])).toBe(original);
  });

  it("applies any subset of the changes on the original", () => {
    const original = "1\n2\n3\n4\n5\n6\n";
    const changes = lineChanges(original, "one\n2\n3\n4\n5\nsix\n");
    expect(changes).toHaveLength(2);
    expect(applyLineChanges(original, [changes[1]!])).toBe("1\n2\n3\n4\n5\nsix\n");
  });

  it("splits lines keeping their terminators", () => {
    expect(splitLines("a\r\nb\nc")).toEqual(["a\r\n", "b\n", "c"]);
    expect(splitLines("")).toEqual([]);
  });
});

describe("parsePatchHunks", () => {
  // `git diff` output of a file changed at two places, as the pull-request files API sends it.
  const patch = [
    "@@ -2,7 +2,7 @@ Line 1.",
    " ## Install",
    " Line 3.",
    " Line 4.",
    "-Line 5.",
    "+TODO: one",
    " Line 6.",
    " Line 7.",
    " Line 8.",
    "@@ -30,4 +30,6 @@ Line 29.",
    " Line 30.",
    "+added 31",
    "+added 32",
    " Line 31.",
    "-Line 32.",
    "+Line 32 changed",
    " Line 33.",
    "\\ No newline at end of file",
  ].join("\n");

  it("gives each hunk's RIGHT-side line range", () => {
    expect(parsePatchHunks(patch)).toEqual([
      { rightStart: 2, rightEnd: 8 },
      { rightStart: 30, rightEnd: 35 },
    ]);
    expect(parsePatchHunks(`${patch}\n`)).toEqual(parsePatchHunks(patch));
  });

  it("finds the one hunk that holds a whole range, never a range spanning two", () => {
    const hunks = parsePatchHunks(patch);
    expect(hunkContaining(hunks, 5, 5)).toEqual(hunks[0]);
    expect(hunkContaining(hunks, 30, 35)).toEqual(hunks[1]);
    expect(hunkContaining(hunks, 8, 30)).toBeUndefined();
    expect(hunkContaining(hunks, 9, 9)).toBeUndefined();
  });
});
