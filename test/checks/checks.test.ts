// Deterministic checks (SPEC §10): parsed from a criterion's braces, decided without a model.
import { describe, expect, it } from "vitest";
import { anchorsOf, countWords, runCheck, type Check, type LinkTargets } from "../../src/checks/checks.js";
import { parseRubric } from "../../src/rubric/parse.js";

const rubric = (items: string) =>
  parseRubric("rubrics/r.md", `---\nfiles: ["docs/**/*.md"]\ndescription: A page.\n---\n\n${items}`);

const none: LinkTargets = { exists: () => Promise.resolve(false), read: () => Promise.resolve(null) };

function targets(files: Record<string, string>): LinkTargets {
  const paths = new Set([""]);
  for (const f of Object.keys(files)) {
    paths.add(f);
    for (let i = f.indexOf("/"); i >= 0; i = f.indexOf("/", i + 1)) paths.add(f.slice(0, i));
  }
  return {
    exists: (p) => Promise.resolve(paths.has(p)),
    read: (p) => Promise.resolve(files[p] ?? null),
  };
}

describe("checks in a criterion's braces", () => {
  it("parse with quoted values, backslashes kept as written, and the text without the block", () => {
    const parsed = rubric(
      '- Leaves no TODO. {#no-todo check=absent pattern="TODO"}\n' +
        "- Names a version. {#version check=contains pattern='v\\d+\\.\\d+' regex=true}\n" +
        "- Links resolve. {check=links}\n" +
        "- Is short. {#short check=words max=800 weight=2}\n" +
        "- Judged by the model. {#judged}\n",
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.rubric.criteria.map((c) => [c.id, c.text, c.check ?? null, c.weight])).toEqual([
      ["no-todo", "Leaves no TODO.", { kind: "absent", pattern: "TODO", regex: false, ignoreCase: false }, 1],
      [
        "version",
        "Names a version.",
        { kind: "contains", pattern: "v\\d+\\.\\d+", regex: true, ignoreCase: false },
        1,
      ],
      ["links-resolve", "Links resolve.", { kind: "links" }, 1],
      ["short", "Is short.", { kind: "words", min: undefined, max: 800 }, 2],
      ["judged", "Judged by the model.", null, 1],
    ]);
  });

  it("a bad check is a configuration error at its line, with a fix", () => {
    const parsed = rubric(
      "- A. {#a check=absnt pattern=x}\n" +
        "- B. {#b check=absent}\n" +
        "- C. {#c check=words min=ten}\n" +
        '- D. {#d check=contains pattern="(a" regex=true}\n' +
        "- E. {#e pattern=x}\n" +
        "- F. {#f check=links pattern=x}\n" +
        "- G. {#g check=words min=9 max=3}\n",
    );
    if (parsed.ok) throw new Error("parsed");
    expect(parsed.problems.map((p) => [p.line, p.message, p.hint])).toEqual([
      [6, "unknown check `absnt`", expect.stringContaining("`contains`, `absent`, `links`, `words`")],
      [7, "`check=absent` needs a `pattern`", expect.stringContaining('pattern="TODO"')],
      [8, "`min=ten` is not a whole number", expect.stringContaining("min=200")],
      [
        9,
        expect.stringContaining('the pattern "(a" is not a regular expression this check runs'),
        expect.stringContaining("RE2"),
      ],
      [
        10,
        "`pattern` is an argument of a check, but the criterion names no check",
        expect.stringContaining("check=absent"),
      ],
      [11, "`check=links` takes no attribute `pattern`", expect.any(String)],
      [12, "`min=9` is above `max=3`", "swap them"],
    ]);
  });
});

describe("deciding a check", () => {
  const file = (content: string) => ({ path: "docs/guide.md", content });
  const absent: Check = { kind: "absent", pattern: "TODO", regex: false, ignoreCase: false };

  it("absent and contains: the match quoted with its line", async () => {
    expect(await runCheck(absent, file("# Guide\n\nAll done.\n"), none)).toMatchObject({
      verdict: "pass",
      line: null,
    });
    expect(await runCheck(absent, file("# Guide\n\nTODO: write it\n"), none)).toEqual({
      verdict: "fail",
      evidence: "TODO: write it",
      explanation: 'The file contains the text "TODO" at line 3; remove it.',
      line: 3,
    });
    const version: Check = { kind: "contains", pattern: "v\\d+\\.\\d+", regex: true, ignoreCase: false };
    expect(await runCheck(version, file("Install\n\nUse v2.10 or later.\n"), none)).toMatchObject({
      verdict: "pass",
      evidence: "Use v2.10 or later.",
      line: 3,
    });
    const anyCase: Check = { kind: "absent", pattern: "todo", regex: false, ignoreCase: true };
    expect((await runCheck(anyCase, file("x\nToDo\n"), none)).verdict).toBe("fail");
  });

  it("a regular expression runs in linear time: a catastrophic pattern for backtracking engines returns", async () => {
    const evil: Check = { kind: "contains", pattern: "(a+)+$", regex: true, ignoreCase: false };
    const outcome = await runCheck(evil, file(`${"a".repeat(50_000)}!`), none);
    expect(outcome.verdict).toBe("fail");
  });

  it("words: counted as a reader counts them, front matter and code aside", async () => {
    expect(countWords("---\ntitle: x\n---\nOne two, three.\n\n```\nnot counted here\n```\nfour\n")).toBe(4);
    const words: Check = { kind: "words", min: 5, max: undefined };
    expect(await runCheck(words, file("Too short here."), none)).toMatchObject({
      verdict: "fail",
      explanation: "The file has 3 words; at least 5 are required. Add to it.",
    });
  });

  it("links: relative files and #anchors resolve as GitHub slugs them; code and URLs are not checked", async () => {
    const other = "# Setup\n\n## Install the CLI\n\n## Install the CLI\n";
    const here = [
      "# Guide",
      "",
      "## Quick start: 5 minutes!",
      "",
      "See [setup](setup.md#install-the-cli), [again](setup.md#install-the-cli-1) and [start](#quick-start-5-minutes).",
      "Also [the site](https://example.com/x.md) and `[code](nope.md)` and [folder](../assets/).",
      "",
      "```",
      "[fenced](missing.md)",
      "```",
    ].join("\n");
    const workspace = targets({ "docs/setup.md": other, "assets/logo.png": "" });
    expect(await runCheck({ kind: "links" }, file(here), workspace)).toMatchObject({
      verdict: "pass",
      explanation: "All 4 relative links resolve.",
    });
    const broken = `${here}\n\nBroken: [gone](gone.md), [anchor](setup.md#uninstall), [self](#nowhere), [out](../../x.md).\n`;
    const outcome = await runCheck({ kind: "links" }, file(broken), workspace);
    expect(outcome).toMatchObject({ verdict: "fail", evidence: "gone.md", line: 12 });
    expect(outcome.explanation).toBe(
      "4 of 8 relative links do not resolve: line 12: gone.md (docs/gone.md does not exist); " +
        "line 12: setup.md#uninstall (no heading in docs/setup.md has the anchor #uninstall); " +
        "line 12: #nowhere (no heading in this file has the anchor #nowhere); " +
        "line 12: ../../x.md (it points outside the repository).",
    );
  });

  it("anchors: setext headings, explicit anchors, duplicates numbered", () => {
    // In document order: the setext "Sub" is #sub, the later ATX "# Sub" is #sub-1.
    expect([...anchorsOf('Title\n=====\n\nSub\n---\n\n<a name="custom"></a>\n\n# Sub\n')]).toEqual([
      "title",
      "sub",
      "custom",
      "sub-1",
    ]);
  });
});
