import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { gitBlobSha } from "../../src/git/blob.js";
import { isRevisionCommit, parseTrailers } from "../../src/git/trailers.js";
import { revisionCommitMessage } from "../../src/delivery/message.js";

const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

/** What git itself reads as the message's trailers. */
function gitTrailers(message: string): string {
  return execFileSync("git", ["interpret-trailers", "--parse"], { input: message }).toString("utf8");
}

describe("revision commit messages", () => {
  it("list the files and the criteria fixed, and end with trailers git itself parses", () => {
    const message = revisionCommitMessage(
      [
        { path: "docs/guide.md", rubric: "rubrics/guide.md", fixed: ["no-todo", "install"] },
        { path: "docs/faq.md", rubric: "rubrics/faq.md", fixed: [] },
      ],
      HEAD,
    );
    expect(message.split("\n")[0]).toBe("rubric-gate: revise 2 files to meet their rubrics");
    expect(message).toContain("- docs/guide.md (rubrics/guide.md): fixes no-todo, install\n");
    expect(message).toContain("- docs/faq.md (rubrics/faq.md)\n");
    expect(gitTrailers(message)).toBe(`Rubric-Gate: revision\nRubric-Gate-Original-Head: ${HEAD}\n`);
    expect(isRevisionCommit(message)).toBe(true);
  });

  it("name a single file in the subject, and keep a path's line breaks out of the message", () => {
    const message = revisionCommitMessage([{ path: "docs/a\nb.md", rubric: "r.md", fixed: ["x"] }], HEAD);
    expect(message.split("\n")[0]).toBe("rubric-gate: revise docs/a b.md to meet its rubric");
    expect(gitTrailers(message)).toContain("Rubric-Gate: revision");
  });
});

describe("isRevisionCommit", () => {
  it.each([
    ["the trailer", "Fix things\n\nBody.\n\nRubric-Gate: revision\n", true],
    ["a lower-case key", "Fix\n\nrubric-gate: revision\n", true],
    ["other trailers too", "Fix\n\nSigned-off-by: A <a@b.c>\nRubric-Gate: revision\n", true],
    ["the words in the body, not as a trailer", "Fix\n\nRubric-Gate: revision\n\nMore text.\n", false],
    ["a subject alone", "Rubric-Gate: revision\n", false],
    ["another value", "Fix\n\nRubric-Gate: no\n", false],
    ["a last paragraph that is not all trailers", "Fix\n\nRubric-Gate: revision\nsome prose\n", false],
  ])("%s", (_name, message, expected) => {
    expect(isRevisionCommit(message)).toBe(expected);
  });

  it("reads folded trailer values", () => {
    expect(parseTrailers("S\n\nA: one\n  two\nB: three")).toEqual([
      { key: "A", value: "one two" },
      { key: "B", value: "three" },
    ]);
  });
});

describe("gitBlobSha", () => {
  it("equals git hash-object", () => {
    const content = "# Guide\r\n\uFEFFünïcode\n";
    const expected = execFileSync("git", ["hash-object", "--stdin"], { input: content }).toString().trim();
    expect(gitBlobSha(new TextEncoder().encode(content))).toBe(expected);
  });
});
