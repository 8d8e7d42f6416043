// --help is generated from each command's flag table: every option row it shows is a flag the command's
// parser takes, of the kind the row says (a VALUE row takes a value, a switch takes none), and wrapped
// to the help's width in one column.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

async function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const cwd = mkdtempSync(join(tmpdir(), "rg-help-"));
  const code = await runCli(argv, {
    cwd,
    env: {},
    stdout: (text) => (stdout += `${text}\n`),
    stderr: (text) => (stderr += `${text}\n`),
  });
  return { code, stdout, stderr };
}

/** The option rows under `heading` (up to the next blank line): flag name, value name, indent of the text. */
function optionRows(help: string, heading: string) {
  const lines = help.split("\n");
  const start = lines.indexOf(heading);
  expect(start, `no "${heading}" in the help`).toBeGreaterThanOrEqual(0);
  const rows: Array<{ name: string; value: string | undefined; line: string }> = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    const row = /^ {2}(?:-\w, )?--([\w-]+)(?: (\S+))?/.exec(line);
    if (row?.[1] !== undefined) rows.push({ name: row[1], value: row[2], line });
  }
  return { rows, block: lines.slice(start + 1, lines.indexOf("", start + 1)) };
}

const COMMANDS: Array<[command: string, helpOf: string[], heading: string]> = [
  ["grade", ["--help"], "Options for grade:"],
  ["check-rubrics", ["--help"], "Options for check-rubrics:"],
  ["calibrate", ["calibrate", "--help"], "Options:"],
  ["lint-rubric", ["lint-rubric", "--help"], "Options:"],
  ["init", ["init", "--help"], "Options:"],
  ["render", ["render", "--help"], "Options:"],
  ["view", ["view", "--help"], "Options:"],
  ["merge-reports", ["merge-reports", "--help"], "Options:"],
];

describe("--help option rows", () => {
  it.each(COMMANDS)(
    "%s: every row is a flag its parser takes, as the row says",
    async (command, helpOf, heading) => {
      const help = await run(helpOf);
      expect(help.code).toBe(0);
      const { rows, block } = optionRows(help.stdout, heading);
      expect(rows.map((r) => r.name)).toContain("help");
      for (const { name, value } of rows) {
        if (name === "help") continue;
        // A value row given a value, a switch given none: the parser must know it and take it so.
        const given = await run([command, value === undefined ? `--${name}` : `--${name}=x`, "--help"]);
        expect(given.stderr, `${command} --${name}`).not.toMatch(/unknown flag|takes no value|needs a value/);
        const wrong = await run([command, value === undefined ? `--${name}=x` : `--${name}`]);
        expect(wrong.code, `${command} --${name} given the wrong way`).toBe(2);
        expect(wrong.stderr).toMatch(value === undefined ? /takes no value/ : /needs a value/);
      }
      // Each description starts in one column (on its row, or on the next when the name is too long)
      // and no line is wider than 100 characters.
      const starts = block.flatMap((line) => {
        const own = /^ {2}(?:-\w, )?--[\w-]+(?: \S+)?( {2,})\S/.exec(line);
        const next = /^( {3,})\S/.exec(line);
        return own ? [own[0].length - 1] : next?.[1] ? [next[1].length] : [];
      });
      expect(starts.length).toBeGreaterThanOrEqual(rows.length);
      expect(new Set(starts).size, block.join("\n")).toBe(1);
      for (const line of block) expect(line.length, line).toBeLessThanOrEqual(100);
    },
  );

  it("an unknown flag is named with the nearest known one", async () => {
    const wrong = await run(["grade", "--judge-efort", "high"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("grade: unknown flag --judge-efort; did you mean --judge-effort?");
  });

  it("check-rubrics names a flag of grade as grade's, and a typo with the nearest of its own", async () => {
    const ofGrade = await run(["check-rubrics", "--judge", "openai:gpt-4.1"]);
    expect(ofGrade.code).toBe(2);
    expect(ofGrade.stderr).toContain("check-rubrics: --judge is a flag of grade, not of check-rubrics");
    const typo = await run(["check-rubrics", "--jsno"]);
    expect(typo.stderr).toContain("check-rubrics: unknown flag --jsno; did you mean --json?");
  });
});
