import { mkdir, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { z } from "zod";
import { calibrate } from "../../calibrate/calibrate.js";
import { examplesDir, loadExamples } from "../../calibrate/examples.js";
import { exampleLine, renderCalibration } from "../../calibrate/render.js";
import { CalibrationReportSchema } from "../../calibrate/schema.js";
import { Meter } from "../../engine/meter.js";
import { readChecked } from "../../ports/files.js";
import { createWorkspaceSource } from "../../fs/workspace.js";
import { createJudge, type Judge } from "../../judge/judge.js";
import { createPanelJudge } from "../../judge/panel.js";
import { createModels } from "../../providers/models.js";
import { systemClock } from "../../providers/retry.js";
import { ModelError, modelSettings, withSettings } from "../../ports/models.js";
import { parseRubric } from "../../rubric/parse.js";
import { VERSION } from "../../version.js";
import type { CliIo } from "../io.js";
import { renderProblems } from "../render.js";
import type { Subcommand } from "../command.js";
import { decimal, modelSpec, wholeNumber } from "../../util/string-schemas.js";
import { flag, MODEL_CALL_FLAGS, optionRows, parseFlags, settingsFlags } from "../flags.js";

const FLAGS = {
  judge: flag({
    value: "PROVIDER:MODEL",
    multiple: true,
    help: "the judge (default: the rubric's judge, else $RUBRIC_GATE_JUDGE); give it more than once to calibrate a panel",
    schema: z.array(modelSpec).default([]),
  }),
  ...settingsFlags("judge"),
  samples: flag({
    value: "N",
    help: "judge each example N times (1-9, default 1): the majority verdict counts, and each criterion's flip rate says how often the samples disagreed",
    schema: wholeNumber(1, 9).default(1),
  }),
  "min-kappa": flag({
    value: "K",
    help: "exit 1 when a labeled criterion, all criteria or the result has kappa < K (or an undefined kappa: every label and verdict the same)",
    schema: decimal(-1, 1).optional(),
  }),
  "max-false-pass": flag({
    value: "R",
    help: "exit 1 when a labeled row's false-pass rate is over R (or unmeasured: no example labeled fail)",
    schema: decimal(0, 1).optional(),
  }),
  report: flag({
    value: "FILE",
    help: "write the JSON result (schema/calibration.schema.json)",
    schema: z.string().min(1).optional(),
  }),
  json: flag({ help: "print the JSON result to stdout", schema: z.boolean().default(false) }),
  concurrency: flag({
    value: "N",
    help: "examples judged at once (default 4)",
    schema: wholeNumber(1, 64).default(4),
  }),
  ...MODEL_CALL_FLAGS,
};

const HELP = `rubric-gate calibrate RUBRIC [options]

Runs the judge on the labeled examples kept beside RUBRIC (rubrics/docs.md → rubrics/docs.examples/*.md)
and measures it against their labels: agreement, Cohen's kappa, false-pass rate (leniency), false-fail
rate and the confusion matrix, per criterion, for all criteria pooled and for the file's result.

An example is a markdown file: YAML front matter with its labels, then the artifact.
  ---
  expect: { states-scope: pass, names-limits: fail }   # per criterion id
  expect_result: needs_revision                        # and/or the whole file
  path: docs/guide.md                                  # optional: the path the judge is told
  ---
  # The artifact …

Options:
${optionRows(FLAGS)}

Exit codes: 0 the gates passed (or none was set); 1 a gate was violated; 2 usage or configuration
error; 3 the judge could not be used.`;

/** `rubric-gate calibrate RUBRIC`: how far the judge agrees with labeled examples. */
export const calibrateCommand: Subcommand = {
  args: "RUBRIC [options]",
  summary: "measure the judge against RUBRIC's labeled examples",
  run: runCalibrate,
};

async function runCalibrate(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags("calibrate", argv, FLAGS);
  if (!flags.ok) return usage(io, flags.message);
  if (flags.help) {
    io.stdout(HELP);
    return 0;
  }
  const [target, ...extra] = flags.positionals;
  if (target === undefined || extra.length > 0) {
    return usage(io, "calibrate: give exactly one rubric file, e.g. rubric-gate calibrate rubrics/docs.md");
  }
  const options = flags.values;

  const workspace = createWorkspaceSource(io.cwd);
  const rubricPath = relative(io.cwd, resolve(io.cwd, target)).replace(/\\/g, "/");
  const read = rubricPath.endsWith(".md") ? await readChecked(workspace, rubricPath) : null;
  if (read?.ok === false) return usage(io, `calibrate: ${target}: ${read.reason}`);
  const bytes = read?.bytes ?? null;
  if (bytes === null) {
    return usage(io, `calibrate: ${target} is not a rubric file (expected an existing .md file)`);
  }
  const parsed = parseRubric(rubricPath, new TextDecoder().decode(bytes));
  if (!parsed.ok) {
    io.stderr(renderProblems(parsed.problems));
    return 2;
  }
  const rubric = parsed.rubric;
  const { examples, problems } = await loadExamples(workspace, rubric);
  if (problems.length > 0) {
    io.stderr(renderProblems(problems));
    return 2;
  }

  const fromEnv = io.env.RUBRIC_GATE_JUDGE?.trim() || undefined;
  if (options.judge.length === 0 && !rubric.judge && fromEnv !== undefined) {
    const checked = modelSpec.safeParse(fromEnv);
    if (!checked.success)
      return usage(
        io,
        `$RUBRIC_GATE_JUDGE ${JSON.stringify(fromEnv)}: ${checked.error.issues[0]?.message ?? "invalid"}`,
      );
  }
  const judges =
    options.judge.length > 0 ? options.judge : rubric.judge ? [rubric.judge] : fromEnv ? [fromEnv] : [];
  if (judges.length === 0) {
    io.stderr(
      "rubric-gate: calibrate: no judge configured: pass --judge provider:model, set RUBRIC_GATE_JUDGE, or set `judge` in the rubric",
    );
    return 3;
  }
  if (options.judge.length > 0 && rubric.judge && !options.judge.includes(rubric.judge)) {
    io.stderr(`note: ${rubric.path} sets judge ${rubric.judge}; calibrating ${judges.join(" + ")} as asked`);
  }

  const meter = new Meter();
  const models = createModels({
    env: io.env,
    timeoutMs: options.timeout * 1000,
    jsonMode: options["json-mode"],
    clock: systemClock,
  });
  const members: Judge[] = [];
  // The judge as the rubric configures it: its settings win over the flags, as in grade.
  const settings = {
    ...modelSettings(options["judge-effort"], options["judge-temperature"]),
    ...rubric.judgeSettings,
  };
  for (const spec of judges) {
    let client;
    try {
      client = models.client(spec, "judge");
    } catch (error) {
      io.stderr(`rubric-gate: calibrate: ${(error as Error).message}`);
      return error instanceof ModelError ? 3 : 2;
    }
    const counted = meter.wrap(withSettings(client, settings));
    for (let sample = 0; sample < options.samples; sample++) members.push(createJudge({ client: counted }));
  }

  io.stderr(`Calibrating ${rubric.path} on ${examples.length} example(s) from ${examplesDir(rubric.path)}/`);
  const report = CalibrationReportSchema.parse(
    await calibrate({
      rubric,
      examples,
      judge: createPanelJudge(members),
      judges,
      samples: options.samples,
      concurrency: options.concurrency,
      minKappa: options["min-kappa"] ?? null,
      maxFalsePass: options["max-false-pass"] ?? null,
      meter,
      clock: systemClock,
      ...(io.signal ? { signal: io.signal } : {}),
      toolVersion: VERSION,
      onExample: (example, done, total) => {
        io.stderr(exampleLine(example, done, total));
      },
    }),
  );
  if (options.report) {
    const file = resolve(io.cwd, options.report);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(report, null, 2) + "\n");
  }
  io.stdout(options.json ? JSON.stringify(report, null, 2) : renderCalibration(report));
  return report.exit_code;
}

function usage(io: CliIo, message: string): number {
  io.stderr(`rubric-gate: ${message}`);
  return 2;
}
