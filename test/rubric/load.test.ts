import { minimatch } from "minimatch";
import { describe, expect, it } from "vitest";
import type { FileSource } from "../../src/ports/files.js";
import { checkRubricGlobs, loadRubrics } from "../../src/rubric/load.js";

const RUBRIC = (files: string, criterion: string): string =>
  `---\nfiles: ["${files}"]\ndescription: Docs\n---\n\n- ${criterion}\n`;

/** An in-memory workspace: enough of a FileSource to exercise the loader. */
function memorySource(files: Record<string, string | Uint8Array>): FileSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    list: () => Promise.resolve(Object.keys(files)),
    glob: (pattern) =>
      Promise.resolve(Object.keys(files).filter((path) => minimatch(path, pattern, { dot: true }))),
    read: (path) => {
      reads.push(path);
      const content = files[path];
      if (content === undefined) return Promise.resolve(null);
      return Promise.resolve(typeof content === "string" ? new TextEncoder().encode(content) : content);
    },
  };
}

describe("loadRubrics", () => {
  it("loads and parses every rubric, sorted by path", async () => {
    const source = memorySource({
      "rubrics/z-style.md": RUBRIC("**/*.md", "Uses short sentences"),
      "rubrics/api/reference.md": RUBRIC("docs/api/**", "Documents every endpoint"),
      "rubrics/docs.md": RUBRIC("docs/**/*.md", "Has a title"),
    });
    const { rubrics, problems } = await loadRubrics(source, "rubrics/**/*.md");
    expect(problems).toEqual([]);
    expect(rubrics.map((r) => r.path)).toEqual([
      "rubrics/api/reference.md",
      "rubrics/docs.md",
      "rubrics/z-style.md",
    ]);
    expect(rubrics[1]?.criteria[0]?.id).toBe("has-a-title");
  });

  it("ignores calibration examples under `*.examples/` directories and README.md, not a rubric named readme.md", async () => {
    const source = memorySource({
      "rubrics/docs.md": RUBRIC("docs/**/*.md", "Has a title"),
      "rubrics/docs.examples/good.md": "# A good page, not a rubric\n",
      "rubrics/nested/api.examples/deep/bad.md": "no front matter\n",
      "rubrics/README.md": "# How our rubrics work\n",
      "rubrics/readme.md": RUBRIC("README.md", "Says what the tool is"),
    });
    const { rubrics, problems } = await loadRubrics(source, "rubrics/**/*.md");
    expect(problems).toEqual([]);
    expect(rubrics.map((r) => r.path)).toEqual(["rubrics/docs.md", "rubrics/readme.md"]);
    expect(source.reads.sort()).toEqual(["rubrics/docs.md", "rubrics/readme.md"]);
  });

  it("keeps valid rubrics and reports the problems of the others", async () => {
    const source = memorySource({
      "rubrics/good.md": RUBRIC("docs/**/*.md", "Has a title"),
      "rubrics/bad.md": "---\nfiles: [docs/*.md]\ndescription: Docs\nrevize: false\n---\n\n- Has a title\n",
    });
    const { rubrics, problems } = await loadRubrics(source, "rubrics/*.md");
    expect(rubrics.map((r) => r.path)).toEqual(["rubrics/good.md"]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: "rubrics/bad.md",
        line: 4,
        message: "unknown front matter key `revize`",
      }),
    ]);
  });

  it("reports a rubric that is not valid UTF-8, at the line of the bad byte", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(RUBRIC("docs/*.md", "Caf")), 0xe9, 0x0a]);
    const source = memorySource({ "rubrics/latin1.md": bytes });
    const { rubrics, problems } = await loadRubrics(source, "rubrics/*.md");
    expect(rubrics).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: "rubrics/latin1.md",
        line: 7,
        message: "the rubric file is not valid UTF-8",
      }),
    ]);
  });

  it("hashes the file's bytes, BOM included", async () => {
    const text = `\uFEFF${RUBRIC("docs/*.md", "Has a title")}`;
    const { rubrics } = await loadRubrics(memorySource({ "rubrics/bom.md": text }), "rubrics/*.md");
    const { createHash } = await import("node:crypto");
    expect(rubrics[0]?.hash).toBe(createHash("sha256").update(new TextEncoder().encode(text)).digest("hex"));
  });

  it("reports a pattern that matches no rubric, naming the flag, the input and the default", async () => {
    const source = memorySource({ "docs/a.md": "# A\n", "rubrics/README.md": "# Rubrics\n" });
    const { rubrics, problems } = await loadRubrics(source, "rubrics/**/*.md");
    expect(rubrics).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "rubrics/**/*.md", line: 0 });
    expect(problems[0]?.hint).toContain("--rubrics");
    expect(problems[0]?.hint).toContain("`rubrics` input");
    expect(problems[0]?.hint).toContain("rubrics/**/*.md");
  });
});

describe("checkRubricGlobs", () => {
  it("reports unmatched globs of every rubric at their lines", async () => {
    const source = memorySource({
      "rubrics/docs.md":
        "---\nfiles:\n  - docs/**/*.md\n  - guides/**/*.md\ndescription: Docs\n---\n\n- Has a title\n",
      "rubrics/api.md": RUBRIC("api/**", "Lists endpoints"),
    });
    const { rubrics } = await loadRubrics(source, "rubrics/*.md");
    const problems = checkRubricGlobs(rubrics, ["docs/index.md", "rubrics/docs.md", "rubrics/api.md"]);
    expect(problems.map((p) => [p.file, p.line])).toEqual([
      ["rubrics/api.md", 2],
      ["rubrics/docs.md", 4],
    ]);
  });
});
