import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lintRubric } from "../../src/lint/lint.js";
import { compoundReason, prescriptiveOpening, vagueTerm } from "../../src/lint/rules.js";
import { parseRubric } from "../../src/rubric/parse.js";

function lint(path: string, text = readFileSync(new URL(`../../${path}`, import.meta.url), "utf8")) {
  const parsed = parseRubric(path, text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return lintRubric(parsed.rubric, text);
}

const rubric = (description: string, criteria: string[]) =>
  `---\nfiles: ["docs/*.md"]\ndescription: ${description}\n---\n\n${criteria.map((c) => `- ${c}`).join("\n")}\n`;

describe("lintRubric on the flawed fixture", () => {
  const findings = lint("test/fixtures/rubrics/lint/flawed.md");
  const by = (id: string) =>
    findings.filter((f) => f.criterion === id).map((f) => `${f.severity}:${f.rule}:${f.line}`);

  it("flags each kind once, on the criterion's line", () => {
    expect(by("clear")).toEqual(["warning:vague:11"]);
    expect(by("covers")).toEqual(["warning:compound:12"]);
    expect(by("install-and-platforms")).toEqual(["warning:compound:13"]);
    expect(by("run-examples")).toEqual(["warning:prescriptive:14"]);
    expect(by("link-changelog")).toEqual(["warning:prescriptive:15"]);
    expect(by("no-pricing")).toEqual(["error:contradiction:16"]);
    expect(by("long")).toEqual(["error:contradiction:18"]);
    expect(by("sections")).toEqual(["error:contradiction:19"]);
    expect(by("example-output")).toEqual(["warning:near-duplicate:21"]);
    expect(by("audience-again")).toEqual(["error:duplicate:23"]);
    // The criteria these contradict or repeat are not flagged a second time.
    for (const id of ["pricing", "example", "audience"]) expect(by(id)).toEqual([]);
    expect(findings).toHaveLength(10);
  });

  it("every finding says what is wrong and how to fix it", () => {
    for (const finding of findings) {
      expect(finding.file).toBe("test/fixtures/rubrics/lint/flawed.md");
      expect(finding.message.length).toBeGreaterThan(20);
      expect(finding.hint.length).toBeGreaterThan(20);
    }
    expect(findings.find((f) => f.criterion === "long")?.message).toContain(
      "asks for at least 500 words, but the description (line 4) allows under 300 words",
    );
  });
});

describe("lintRubric", () => {
  it("finds nothing in criteria that only look like findings (false-positive guards)", () => {
    expect(lint("test/fixtures/rubrics/lint/clean.md")).toEqual([]);
  });

  it("passes this repository's own rubrics", () => {
    expect(lint("rubrics/docs.md")).toEqual([]);
    expect(lint("rubrics/readme.md")).toEqual([]);
  });

  it("a short description against five criteria that each demand a section", () => {
    const text = rubric("A brief one-page overview.", [
      "Has an Install section.",
      "Has a Usage section.",
      "Has a Configuration section.",
      "Has an Errors section.",
      "Has a FAQ section.",
    ]);
    const findings = lint("rubrics/x.md", text);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: "contradiction", line: 3, criterion: null });
    expect(findings[0]?.message).toContain(
      "5 criteria each ask for a section or heading (lines 6, 7, 8, 9, 10)",
    );
  });

  it("a criterion that forbids what the description is about", () => {
    const findings = lint(
      "rubrics/x.md",
      rubric("The pricing page of the product.", ["Never mentions pricing or discounts."]),
    );
    expect(findings.map((f) => f.rule)).toEqual(["contradiction"]);
    expect(findings[0]?.message).toContain('forbids "pricing", which the description (line 3)');
  });

  it("`<!-- lint-rubric: ignore RULE -->` silences that rule for the next criterion only", () => {
    const text = rubric("A page.", [
      "Shows the install command and lists the platforms. {#a}\n<!-- lint-rubric: ignore compound -->",
      "Shows the run command and lists its flags. {#b}",
      "Shows the test command and lists its output. {#c}",
    ]);
    expect(lint("rubrics/x.md", text).map((f) => f.criterion)).toEqual(["a", "c"]);
  });
});

describe("heuristics", () => {
  it.each([
    "Covers installation and usage and errors.",
    "Explains the install; lists the supported platforms.",
    "The page opens with a summary and links to the changelog.",
    "Gives one command that runs the grader, and says that it needs no key.",
    "Describes the API as well as documents every error.",
  ])("compound: %s", (text) => {
    expect(compoundReason(text)).not.toBeNull();
  });

  it.each([
    "Names the input and output formats.",
    "Gives one command that installs the dependencies and runs the tests.",
    "Documents the exit codes 0, 1, 2 and 3 with their meaning.",
    "Shows a complete example rubric, with its front matter and at least two criteria.",
    "Opens with a sentence that says what the page covers and who it is for.",
    "Gives at least one complete, concrete example of the topic it explains.",
  ])("not compound: %s", (text) => {
    expect(compoundReason(text)).toBeNull();
  });

  it.each([
    ["Run the tests first.", "Run"],
    ["Make sure to add a changelog entry.", "Make sure"],
    ["You should explain the flags.", "You should"],
    ["List every flag.", "List"],
    ["Be concise.", "Be"],
  ])("prescriptive: %s", (text, opening) => {
    expect(prescriptiveOpening(text)).toBe(opening);
  });

  it.each([
    "Lists every flag.",
    "Test names say what they check.",
    "Use of tabs is explained.",
    "Uses headings.",
    "Runs in under a second.",
  ])("not prescriptive: %s", (text) => {
    expect(prescriptiveOpening(text)).toBeNull();
  });

  it("vague only without anything checkable", () => {
    expect(vagueTerm("Looks good.", "- Looks good.")).toBe("Looks good");
    expect(vagueTerm("The writing is high quality.", "")).toBe("high quality");
    expect(vagueTerm("Uses an appropriate tone.", "")).toBe("appropriate");
    expect(vagueTerm("Gives a clear example of the output.", "")).toBeNull();
    expect(vagueTerm("Is clear about --force.", "- Is clear about `--force`.")).toBeNull();
    expect(vagueTerm("Keeps good line lengths under 100 characters.", "")).toBeNull();
  });
});

describe("criteria a check decides, and sequences of steps", () => {
  const rules = (criteria: string[]) =>
    lint("rubrics/t.md", rubric("A guide page.", criteria)).map((f) => [f.rule, f.hint]);

  it("suggests the deterministic check for a plainly mechanical criterion, with the attribute block to write", () => {
    expect(rules(["Contains no TODO. {#no-todo}"])).toEqual([
      ["mechanical", expect.stringContaining('{#no-todo check=absent pattern="TODO"}')],
    ]);
    expect(rules(['Has no "lorem ipsum" placeholder text. {#filler}'])).toEqual([
      ["mechanical", expect.stringContaining('{#filler check=absent pattern="lorem ipsum"}')],
    ]);
    expect(rules(["Every relative link resolves. {#links}"])).toEqual([
      ["mechanical", expect.stringContaining("{#links check=links}")],
    ]);
    expect(rules(["Is at most 800 words long. {#short}"])).toEqual([
      ["mechanical", expect.stringContaining("{#short check=words max=800}")],
    ]);
    expect(rules(['Contains the text "Apache-2.0". {#license}'])).toEqual([
      ["mechanical", expect.stringContaining('{#license check=contains pattern="Apache-2.0"}')],
    ]);
  });

  it("says nothing of a criterion that needs judgement, or that already is a check", () => {
    expect(rules(["Explains why the cache is safe to delete. {#why}"])).toEqual([]);
    expect(rules(["Gives 300 words of background before the first example. {#background}"])).toEqual([]);
    expect(rules(['Contains no TODO. {#no-todo check=absent pattern="TODO"}'])).toEqual([]);
  });

  it("flags a criterion that prescribes a sequence of steps", () => {
    const findings = lint(
      "rubrics/t.md",
      rubric("A guide page.", ["First, list the risks, then their mitigations. {#risks}"]),
    );
    expect(findings.map((f) => [f.rule, f.message])).toEqual([
      ["prescriptive", expect.stringContaining('prescribes a sequence of steps ("First, … then …")')],
    ]);
    expect(rules(["The first section then lists the risks. {#first}"])).toEqual([]);
  });
});
