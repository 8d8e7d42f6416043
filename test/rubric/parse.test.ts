import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { closestKey } from "../../src/rubric/frontmatter.js";
import { deriveCriterionId, isValidCriterionId, slugify } from "../../src/rubric/ids.js";
import { parseRubric } from "../../src/rubric/parse.js";
import type { ConfigProblem, Rubric } from "../../src/rubric/types.js";

const FIXTURES = new URL("../fixtures/rubrics/", import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

function parsed(path: string, text: string): Rubric {
  const result = parseRubric(path, text);
  if (!result.ok) throw new Error(`expected a valid rubric, got ${JSON.stringify(result.problems)}`);
  return result.rubric;
}

function problems(path: string, text: string): ConfigProblem[] {
  const result = parseRubric(path, text);
  if (result.ok) throw new Error("expected problems, got a valid rubric");
  for (const problem of result.problems) {
    expect(problem.file).toBe(path);
    expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.message).not.toBe("");
    expect(problem.hint).not.toBe("");
  }
  return result.problems;
}

/** Asserts exactly one problem, at `line`, whose message contains `text`. */
function expectOne(found: ConfigProblem[], line: number, text: string): void {
  expect(found.map((p) => p.line)).toEqual([line]);
  expect(found[0]?.message).toContain(text);
}

const HEAD = "---\nfiles: [docs/**/*.md]\ndescription: Docs\n---\n";

describe("parseRubric on a full rubric", () => {
  const text = fixture("valid/docs.md");
  const rubric = parsed("rubrics/docs.md", text);

  it("reads every front matter key", () => {
    expect(rubric.path).toBe("rubrics/docs.md");
    expect(rubric.files).toEqual(["docs/**/*.md", "!docs/drafts/**", "README.md"]);
    expect(rubric.fileLines).toEqual([3, 4, 5]);
    expect(rubric.description).toBe("User documentation for the CLI, read by first-time users.");
    expect(rubric.maxIterations).toBe(5);
    expect(rubric.threshold).toBe(0.75);
    expect(rubric.judge).toBe("anthropic:claude-sonnet-4-6");
    expect(rubric.writer).toBe("openai-compatible:llama3.1:8b");
    expect(rubric.revise).toBe(false);
  });

  it("hashes the text with sha256", () => {
    expect(rubric.hash).toBe(createHash("sha256").update(text).digest("hex"));
  });

  it("makes every list item at any depth a criterion, in document order, with its line", () => {
    expect(rubric.criteria.map((c) => [c.id, c.line])).toEqual([
      ["installation.gives-a-one-command-install", 20],
      ["node-version", 21],
      ["installation.links-to-the-download-page", 22],
      ["npm-bundled", 23],
      ["troubleshooting.explains-the-eacces-error", 27],
      ["usage-example", 38],
    ]);
  });

  it("flattens inline markup and strips task markers, advisory markers and attribute blocks", () => {
    expect(rubric.criteria.map((c) => c.text)).toEqual([
      "Gives a one-command install",
      "Mentions the minimum Node.js version",
      "Links to the download page",
      "Says npm is bundled",
      "Explains the EACCES error",
      "Shows a complete example",
    ]);
  });

  it("reads advisory markers case-insensitively and weights from attribute blocks", () => {
    expect(rubric.criteria.map((c) => c.advisory)).toEqual([false, true, false, false, false, true]);
    expect(rubric.criteria.map((c) => c.weight)).toEqual([1, 1, 2, 0.5, 1, 1]);
  });

  it("gives each criterion the heading path of its section", () => {
    expect(rubric.criteria.map((c) => c.section)).toEqual([
      "Installation",
      "Installation",
      "Installation",
      "Installation",
      "Installation > Troubleshooting",
      "Usage",
    ]);
  });

  it("keeps prose, code and tables verbatim as guidance under their section, and never grades them", () => {
    expect(rubric.guidance).toBe(
      [
        "Read the page as a newcomer would. This prose is guidance, never graded.",
        "[Section: Installation]",
        "Installation must work on a clean machine.",
        "[Section: Installation > Troubleshooting]",
        "```sh\nnpm config set prefix ~/.npm-global\n```",
        "| Error | Cause |\n| ----- | ----- |\n| E1    | perms |",
      ].join("\n\n"),
    );
    expect(rubric.criteria.some((c) => c.text.includes("newcomer") || c.text.includes("npm-global"))).toBe(
      false,
    );
  });
});

describe("parseRubric body rules", () => {
  it("applies the defaults for optional keys", () => {
    const rubric = parsed("r.md", `${HEAD}\n- Has a title\n`);
    expect(rubric).toMatchObject({
      maxIterations: 3,
      threshold: undefined,
      judge: undefined,
      writer: undefined,
      judgeSettings: {},
      writerSettings: {},
      revise: true,
      guidance: "",
    });
    expect(rubric.criteria).toEqual([
      { id: "has-a-title", text: "Has a title", section: "", advisory: false, weight: 1, line: 6 },
    ]);
  });

  it("derives the same ids on every parse and keeps them when the marker or weight change", () => {
    const a = parsed("r.md", `${HEAD}\n# Installation\n\n- Gives a one-command install\n`);
    const b = parsed(
      "r.md",
      `${HEAD}\n# Installation\n\n- [advisory] Gives a   one-command install {weight=3}\n`,
    );
    expect(a.criteria[0]?.id).toBe("installation.gives-a-one-command-install");
    expect(b.criteria[0]?.id).toBe(a.criteria[0]?.id);
    expect(b.criteria[0]).toMatchObject({ advisory: true, weight: 3 });
  });

  it("uses only the last heading of the section path in derived ids", () => {
    const rubric = parsed("r.md", `${HEAD}\n# Guide\n\n## Set-up & Config\n\n- Lists every option\n`);
    expect(rubric.criteria[0]).toMatchObject({
      section: "Guide > Set-up & Config",
      id: "set-up-config.lists-every-option",
    });
  });

  it("pops the heading stack when a heading of the same or a higher level follows", () => {
    const text = `${HEAD}\n# A\n\n## B\n\n### C\n\n## D\n\n- one\n\n# E\n\n- two\n`;
    expect(parsed("r.md", text).criteria.map((c) => c.section)).toEqual(["A > D", "E"]);
  });

  it("takes only the item's own paragraphs as text, not its nested list", () => {
    const text = `${HEAD}\n- Parent item\n  continued on a second line {#parent}\n\n  - Child item\n`;
    expect(parsed("r.md", text).criteria.map((c) => [c.id, c.text])).toEqual([
      ["parent", "Parent item continued on a second line"],
      ["child-item", "Child item"],
    ]);
  });

  it("treats an item that only wraps a nested list as a container", () => {
    const text = `${HEAD}\n- [ ]\n  - Real criterion\n`;
    expect(parsed("r.md", text).criteria.map((c) => c.text)).toEqual(["Real criterion"]);
  });

  it("drops HTML comments and thematic breaks from the guidance", () => {
    const text = `${HEAD}\n<!-- note to maintainers -->\n\nKeep this.\n\n***\n\n- one\n`;
    expect(parsed("r.md", text).guidance).toBe("Keep this.");
  });

  it("keeps a trailing brace that is not an attribute block in the text", () => {
    const text = `${HEAD}\n- Documents the {} placeholder\n- Explains {the braces}\n`;
    expect(parsed("r.md", text).criteria.map((c) => c.text)).toEqual([
      "Documents the {} placeholder",
      "Explains {the braces}",
    ]);
  });

  it("handles CRLF line endings and a BOM without moving lines", () => {
    const text = `\uFEFF${HEAD}\n# Title\n\nSome guidance.\n\n- Has a title\n`.replace(/\n/g, "\r\n");
    const rubric = parsed("r.md", text);
    expect(rubric.criteria[0]).toMatchObject({ line: 10, text: "Has a title", section: "Title" });
    expect(rubric.guidance).toBe("[Section: Title]\n\nSome guidance.");
    expect(rubric.hash).toBe(createHash("sha256").update(text).digest("hex"));
  });
});

describe("criterion ids", () => {
  it("slugifies to lowercase ASCII, folding accents and dropping other letters", () => {
    expect(slugify("Café Überblick")).toBe("cafe-uberblick");
    expect(slugify("Straße")).toBe("strae");
    expect(slugify("  C++ / C# ")).toBe("c-c");
    expect(slugify("日本語")).toBe("");
  });

  it("derives ids from the last heading and the text", () => {
    expect(deriveCriterionId("Installation", "Gives a one-command install")).toBe(
      "installation.gives-a-one-command-install",
    );
    expect(deriveCriterionId("", "Has a title")).toBe("has-a-title");
  });

  it("gives text with nothing sluggable a stable hashed id", () => {
    const id = deriveCriterionId("Style", "日本語で書く");
    expect(id).toMatch(/^style\.criterion-[0-9a-f]{6}$/);
    expect(deriveCriterionId("Style", "日本語で書く")).toBe(id);
    expect(deriveCriterionId("Style", "中文")).not.toBe(id);
  });

  it("cuts long ids to 64 characters with a stable hash suffix that keeps them unique", () => {
    const long = "Explains every configuration option with its default value and an example of use";
    const a = deriveCriterionId("Configuration reference", long);
    const b = deriveCriterionId("Configuration reference", `${long} in YAML`);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).toMatch(/^configuration-reference\.explains-every-.*-[0-9a-f]{6}$/);
    expect(isValidCriterionId(a)).toBe(true);
    expect(deriveCriterionId("Configuration reference", long)).toBe(a);
    expect(b).not.toBe(a);
    const hash = createHash("sha256").update(`Configuration reference\n${long}`).digest("hex").slice(0, 6);
    expect(a.endsWith(`-${hash}`)).toBe(true);
  });

  it("accepts only ids that are valid JSON-schema property names for every provider", () => {
    expect(isValidCriterionId("a")).toBe(true);
    expect(isValidCriterionId("install.one_command-2")).toBe(true);
    expect(isValidCriterionId("a".repeat(64))).toBe(true);
    expect(isValidCriterionId("a".repeat(65))).toBe(false);
    expect(isValidCriterionId("Title")).toBe(false);
    expect(isValidCriterionId("-x")).toBe(false);
    expect(isValidCriterionId("a b")).toBe(false);
  });
});

describe("parseRubric problems", () => {
  it("reports a missing front matter block at line 1", () => {
    const found = problems("r.md", fixture("invalid/no-front-matter.md"));
    expectOne(found, 1, "no YAML front matter");
  });

  it("reports a front matter block that is never closed", () => {
    const found = problems("r.md", "---\nfiles: [a]\ndescription: x\n\n- one\n");
    expect(found.map((p) => p.message)).toEqual(["the front matter block is not closed"]);
  });

  it("reports a YAML syntax error at the line YAML gives", () => {
    const found = problems("r.md", fixture("invalid/yaml-syntax.md"));
    expectOne(found, 5, "Missing closing");

    const nested = problems("r.md", "---\nfiles: [a]\ndescription: a: b\nrevise: true\n---\n- one\n");
    expectOne(nested, 3, "Nested mappings");
  });

  it("reports front matter that is not a mapping", () => {
    const found = problems("r.md", fixture("invalid/not-a-mapping.md"));
    expectOne(found, 2, "not a mapping");
  });

  it("collects every key problem with the line of its key and the bad value", () => {
    const found = problems("r.md", fixture("invalid/front-matter-keys.md"));
    expect(found.map((p) => p.line)).toEqual([4, 6, 7, 8, 9, 10, 11, 12]);
    const at = (line: number): ConfigProblem | undefined => found.find((p) => p.line === line);
    expect(at(4)?.message).toContain("entry 2 of `files`");
    expect(at(7)?.message).toContain("`max_iterations` has the invalid value 21");
    expect(at(7)?.message).toContain("an integer from 0 to 20");
    expect(at(8)?.message).toContain("`threshold` has the invalid value 1.5");
    expect(at(9)?.message).toContain('"gpt-4.1"');
    expect(at(9)?.hint).toContain("provider:model");
    expect(at(10)?.message).toContain('"mistral:large"');
    expect(at(11)?.message).toContain('`revise` has the invalid value "no"');
    expect(at(11)?.hint).toContain("true or false");
  });

  it("names an unknown key, lists the allowed keys and suggests a near miss", () => {
    const found = problems("r.md", fixture("invalid/front-matter-keys.md"));
    const nearMiss = found.find((p) => p.line === 6);
    expect(nearMiss?.message).toBe("unknown front matter key `max_iteration`");
    expect(nearMiss?.hint).toContain("did you mean `max_iterations`?");
    expect(nearMiss?.hint).toContain(
      "files, description, max_iterations, threshold, judge, writer, judge_effort, judge_temperature, writer_effort, writer_temperature, revise",
    );
    const farOff = found.find((p) => p.line === 12);
    expect(farOff?.message).toBe("unknown front matter key `colour`");
    expect(farOff?.hint).not.toContain("did you mean");
  });

  it("suggests keys across case, separators and small typos only", () => {
    expect(closestKey("maxIterations")).toBe("max_iterations");
    expect(closestKey("File")).toBe("files");
    expect(closestKey("treshold")).toBe("threshold");
    expect(closestKey("model")).toBeUndefined();
  });

  it("reports missing required keys at the opening line", () => {
    const found = problems("r.md", "---\nrevise: true\n---\n\n- one\n");
    expect(found.map((p) => [p.line, p.message])).toEqual([
      [1, "front matter is missing the required key `files`"],
      [1, "front matter is missing the required key `description`"],
    ]);
  });

  it("explains that an unquoted `!` glob is a YAML tag", () => {
    const found = problems("r.md", fixture("invalid/unquoted-negation.md"));
    expectOne(found, 4, "as a tag");
    expect(found[0]?.hint).toContain('"!docs/drafts/**"');
  });

  it("rejects `files` made only of negations", () => {
    const found = problems("r.md", '---\ndescription: Docs\nfiles: ["!docs/**"]\n---\n- one\n');
    expectOne(found, 3, "only `!`");
  });

  it("reports a rubric without criteria at line 1 with a hint about list items", () => {
    const found = problems("r.md", fixture("invalid/no-criteria.md"));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 1, message: "the rubric has no criteria" });
    expect(found[0]?.hint).toContain("list item");
  });

  it("reports duplicate ids, derived or explicit, at the second item naming the first", () => {
    const found = problems("r.md", fixture("invalid/duplicate-ids.md"));
    expect(found.map((p) => p.line)).toEqual([10, 11]);
    expect(found[0]?.message).toContain("`style.uses-short-sentences`");
    expect(found[0]?.message).toContain("first used at line 8");
    expect(found[1]?.message).toContain("`voice`");
    expect(found[1]?.message).toContain("first used at line 9");
    expect(found[1]?.hint).toContain("{#unique-id}");
  });

  it("reports bad explicit ids, weights and attributes at the item's line", () => {
    const found = problems("r.md", fixture("invalid/bad-ids.md"));
    expect(found.map((p) => [p.line, p.message])).toEqual([
      [6, "invalid criterion id `Title`"],
      [7, "invalid criterion id `-summary`"],
      [8, "criterion weight `-1` is not a positive number"],
      [9, "unknown criterion attribute `colour`"],
    ]);
    expect(found[0]?.hint).toContain("{#title}");
    expect(found[0]?.hint).toContain("lowercase");
  });

  it("reports an item with no text", () => {
    const found = problems("r.md", `${HEAD}\n- one\n- {#two}\n`);
    expect(found).toEqual([expect.objectContaining({ line: 7, message: "list item has no criterion text" })]);
  });

  it("reports front matter and body problems together, sorted by line", () => {
    const found = problems("r.md", "---\nfiles: [a]\ndescription: x\nmax_iteration: 2\n---\n- one\n- one\n");
    expect(found.map((p) => p.line)).toEqual([4, 7]);
  });

  it("never throws on arbitrary input", () => {
    for (const text of ["", "---", "---\n---", "\u0000\u0001", "- [advisory]", "---\n: :\n---\n", "{#}"]) {
      expect(() => parseRubric("r.md", text)).not.toThrow();
      expect(parseRubric("r.md", text).ok).toBe(false);
    }
  });
});
