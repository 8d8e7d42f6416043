import { relative, resolve } from "node:path";
import { z } from "zod";
import { readChecked } from "../../ports/files.js";
import { createWorkspaceSource } from "../../fs/workspace.js";
import { lintRubric, LINT_RULES, type Finding } from "../../lint/lint.js";
import { DEFAULT_RUBRICS_GLOB, isRubricPath } from "../../rubric/load.js";
import { compareStrings } from "../../rubric/match.js";
import { parseRubric } from "../../rubric/parse.js";
import type { ConfigProblem, Rubric } from "../../rubric/types.js";
import type { CliIo } from "../io.js";
import { renderProblems } from "../render.js";
import type { Subcommand } from "../command.js";
import { flag, optionRows, parseFlags } from "../flags.js";

const FLAGS = {
  rubrics: flag({
    value: "GLOB",
    help: `rubric files when no RUBRIC is given (default ${DEFAULT_RUBRICS_GLOB})`,
    schema: z.string().min(1).default(DEFAULT_RUBRICS_GLOB),
  }),
  json: flag({ help: "print the findings as JSON", schema: z.boolean().default(false) }),
};

const HELP = `rubric-gate lint-rubric [RUBRIC...] [options]

Checks rubrics for criteria a judge cannot grade reliably. No model is called.

Rules (each finding has file:line and a fix):
${Object.entries(LINT_RULES)
  .map(([rule, what]) => `  ${rule.padEnd(15)} ${what}`)
  .join("\n")}

duplicate and contradiction are errors, the others warnings; any finding exits 1. To keep a
criterion the linter misjudges, put <!-- lint-rubric: ignore RULE --> on the line before it.

Options:
${optionRows(FLAGS)}

Exit codes: 0 no finding; 1 findings; 2 a rubric does not parse, or usage error.`;

/** `rubric-gate lint-rubric`: deterministic checks of the rubrics' criteria. */
export const lintRubricCommand: Subcommand = {
  args: "[RUBRIC...] [options]",
  summary: "check rubrics for vague, compound or contradictory criteria",
  async run(argv, io) {
    const flags = parseFlags("lint-rubric", argv, FLAGS);
    if (!flags.ok) {
      io.stderr(`rubric-gate: ${flags.message}`);
      return 2;
    }
    if (flags.help) {
      io.stdout(HELP);
      return 0;
    }
    const loaded = await loadForLint(io, flags.positionals, flags.values.rubrics);
    if (loaded.problems.length > 0) {
      io.stderr(renderProblems(loaded.problems));
      return 2;
    }
    const findings = loaded.rubrics.flatMap(({ rubric, text }) => lintRubric(rubric, text));
    if (flags.values.json) io.stdout(JSON.stringify({ findings }, null, 2));
    else
      io.stdout(
        renderFindings(
          findings,
          loaded.rubrics.map((r) => r.rubric),
        ),
      );
    return findings.length > 0 ? 1 : 0;
  },
};

/** Reads and parses the named rubrics, or every rubric the glob matches. */
export async function loadForLint(
  io: CliIo,
  paths: string[],
  glob: string,
): Promise<{ rubrics: Array<{ rubric: Rubric; text: string }>; problems: ConfigProblem[] }> {
  const source = createWorkspaceSource(io.cwd);
  const targets =
    paths.length > 0
      ? paths.map((path) => relative(io.cwd, resolve(io.cwd, path)).replace(/\\/g, "/"))
      : (await source.glob(glob)).filter(isRubricPath).sort(compareStrings);
  const rubrics: Array<{ rubric: Rubric; text: string }> = [];
  const problems: ConfigProblem[] = [];
  if (targets.length === 0) {
    problems.push({
      file: glob,
      line: 0,
      message: `no rubric file matches "${glob}"`,
      hint: "pass rubric files, or a glob with --rubrics",
    });
  }
  for (const path of targets) {
    const read = await readChecked(source, path);
    if (!read.ok) {
      problems.push({ file: path, line: 0, message: read.reason, hint: "lint the rubric file itself" });
      continue;
    }
    const { bytes } = read;
    if (bytes === null) {
      problems.push({
        file: path,
        line: 0,
        message: "the rubric file does not exist",
        hint: "check the path",
      });
      continue;
    }
    const text = new TextDecoder().decode(bytes);
    const parsed = parseRubric(path, text);
    if (parsed.ok) rubrics.push({ rubric: parsed.rubric, text });
    else problems.push(...parsed.problems);
  }
  return { rubrics, problems };
}

/** `file:line: severity [rule]: message` with the fix on the next line, then a count. */
export function renderFindings(findings: Finding[], rubrics: Rubric[]): string {
  const criteria = rubrics.reduce((n, r) => n + r.criteria.length, 0);
  const scope = `${rubrics.length} rubric(s), ${criteria} criteria`;
  if (findings.length === 0) return `${scope}: no finding.`;
  const errors = findings.filter((f) => f.severity === "error").length;
  return [
    ...findings.map((f) => `${f.file}:${f.line}: ${f.severity} [${f.rule}]: ${f.message}\n  fix: ${f.hint}`),
    "",
    `${scope}: ${errors} error(s), ${findings.length - errors} warning(s).`,
  ].join("\n");
}
