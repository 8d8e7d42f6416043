import { describe, expect, it } from "vitest";
import { matchesRubric, matchRubrics, unmatchedGlobProblems } from "../../src/rubric/match.js";
import type { Rubric } from "../../src/rubric/types.js";

function rubric(path: string, files: string[], fileLines = files.map((_, index) => index + 3)): Rubric {
  return {
    path,
    files,
    fileLines,
    description: "Docs",
    maxIterations: 3,
    threshold: undefined,
    judge: undefined,
    writer: undefined,
    judgeSettings: {},
    writerSettings: {},
    revise: true,
    context: [],
    tools: false,
    criteria: [{ id: "a", text: "A", section: "", advisory: false, weight: 1, line: 6 }],
    guidance: "",
    hash: "0".repeat(64),
  };
}

describe("matchesRubric", () => {
  const docs = rubric("rubrics/docs.md", ["docs/**/*.md", "!docs/drafts/**", "README.md"]);

  it("matches a positive glob", () => {
    expect(matchesRubric(docs, "docs/guide/install.md")).toBe(true);
    expect(matchesRubric(docs, "docs/index.md")).toBe(true);
    expect(matchesRubric(docs, "README.md")).toBe(true);
  });

  it("excludes paths matched by a `!` glob", () => {
    expect(matchesRubric(docs, "docs/drafts/wip.md")).toBe(false);
    expect(matchesRubric(docs, "docs/drafts/deep/wip.md")).toBe(false);
  });

  it("does not match paths outside every positive glob", () => {
    expect(matchesRubric(docs, "src/index.ts")).toBe(false);
    expect(matchesRubric(docs, "docs/guide/install.txt")).toBe(false);
    expect(matchesRubric(docs, "sub/README.md")).toBe(false);
  });

  it("matches dotfiles and dot directories", () => {
    expect(matchesRubric(docs, "docs/.hidden/notes.md")).toBe(true);
    expect(matchesRubric(docs, "docs/.intro.md")).toBe(true);
    const dotfiles = rubric("rubrics/github.md", [".github/**/*.yml"]);
    expect(matchesRubric(dotfiles, ".github/workflows/ci.yml")).toBe(true);
  });

  it("treats `#` as part of a name and tolerates a leading `./`", () => {
    expect(matchesRubric(rubric("r.md", ["#notes/*.md"]), "#notes/a.md")).toBe(true);
    expect(matchesRubric(rubric("r.md", ["./docs/*.md"]), "docs/a.md")).toBe(true);
  });

  it("needs at least one positive glob", () => {
    expect(matchesRubric(rubric("r.md", ["!docs/drafts/**"]), "docs/a.md")).toBe(false);
  });
});

describe("matchRubrics", () => {
  it("returns every (file, rubric) pair sorted by path then rubric path", () => {
    const style = rubric("rubrics/style.md", ["**/*.md"]);
    const docs = rubric("rubrics/docs.md", ["docs/**/*.md", "!docs/drafts/**"]);
    const pairs = matchRubrics([style, docs], ["docs/b.md", "src/x.ts", "docs/drafts/d.md", "docs/a.md"]);
    expect(pairs.map(({ path, rubric: r }) => `${path} ${r.path}`)).toEqual([
      "docs/a.md rubrics/docs.md",
      "docs/a.md rubrics/style.md",
      "docs/b.md rubrics/docs.md",
      "docs/b.md rubrics/style.md",
      "docs/drafts/d.md rubrics/style.md",
    ]);
    expect(pairs[0]?.rubric).toBe(docs);
  });

  it("lists a path given twice once per rubric", () => {
    const docs = rubric("rubrics/docs.md", ["docs/*.md"]);
    expect(matchRubrics([docs], ["docs/a.md", "docs/a.md"])).toHaveLength(1);
  });

  it("returns nothing when no rubric matches", () => {
    expect(matchRubrics([rubric("r.md", ["docs/*.md"])], ["src/a.ts"])).toEqual([]);
  });
});

describe("unmatchedGlobProblems", () => {
  it("reports each positive glob that matches no path, at its line", () => {
    const docs = rubric(
      "rubrics/docs.md",
      ["docs/**/*.md", "!nothing/**", "/abs/*.md", "guide/*.md"],
      [3, 4, 5, 6],
    );
    const problems = unmatchedGlobProblems(docs, ["docs/a.md", "README.md"]);
    expect(problems.map((p) => [p.file, p.line])).toEqual([
      ["rubrics/docs.md", 5],
      ["rubrics/docs.md", 6],
    ]);
    expect(problems[0]?.message).toContain('"/abs/*.md"');
    expect(problems[0]?.hint).toContain("relative to the repository root");
    expect(problems[0]?.hint).toContain("docs/**/*.md");
  });

  it("counts a glob as used even when a negation removes every match", () => {
    const docs = rubric("rubrics/docs.md", ["docs/**", "!docs/**"]);
    expect(unmatchedGlobProblems(docs, ["docs/a.md"])).toEqual([]);
  });
});
