import { z } from "zod";
import { parseShard } from "../engine/shard.js";
import { IMAGES_MODES } from "../ports/models.js";
import { modelSpec, positiveNumber, wholeNumber } from "../util/string-schemas.js";
import { didYouMean } from "../util/suggest.js";
import { flag, optionRows, parseFlags, settingsFlags, type FlagValues } from "./flags.js";

const GRADE_FLAGS = {
  rubrics: flag({
    value: "GLOB",
    help: "rubric files (default rubrics/**/*.md)",
    schema: z.string().min(1).default("rubrics/**/*.md"),
  }),
  judge: flag({
    value: "PROVIDER:MODEL",
    multiple: true,
    help: "judge model, e.g. openai:gpt-4.1, openai-responses:o3-pro, anthropic:claude-sonnet-4-6, openai-compatible:llama3.1 (default $RUBRIC_GATE_JUDGE); give it more than once for a panel that votes per criterion",
    schema: z.array(modelSpec).default([]),
  }),
  ...settingsFlags("judge"),
  "judge-samples": flag({
    value: "N",
    help: "ask each judge N times (1-9, default 1); a criterion passes only with a strict majority of pass votes",
    schema: wholeNumber(1, 9).default(1),
  }),
  writer: flag({
    value: "PROVIDER:MODEL",
    help: "writer model for --revise (default $RUBRIC_GATE_WRITER, else the judge)",
    schema: modelSpec.optional(),
  }),
  ...settingsFlags("writer"),
  revise: flag({
    help: "run the outcome loop and write the best revision back to the file",
    schema: z.boolean().default(false),
  }),
  "max-iterations": flag({
    value: "N",
    help: "cap every rubric's max_iterations (0-20)",
    schema: wholeNumber(0, 20).optional(),
  }),
  concurrency: flag({
    value: "N",
    help: "files graded at once (default 4)",
    schema: wholeNumber(1, 256).default(4),
  }),
  report: flag({
    value: "FILE",
    help: "write the JSON report to FILE",
    schema: z.string().min(1).optional(),
  }),
  json: flag({ help: "print the JSON report to stdout", schema: z.boolean().default(false) }),
  "dry-run": flag({
    help: "no model call: files, rubrics, prompt sizes, token and cost estimate",
    schema: z.boolean().default(false),
  }),
  "json-mode": flag({
    value: "MODE",
    help: "schema (default) or prompt, for OpenAI-compatible servers that ignore json_schema",
    schema: z.enum(["schema", "prompt"]).default("schema"),
  }),
  images: flag({
    value: "MODE",
    help: "auto (default: pictures to OpenAI and Anthropic, not to OpenAI-compatible), on or off",
    schema: z.enum(IMAGES_MODES).default("auto"),
  }),
  timeout: flag({
    value: "SECONDS",
    help: "per model call (default 120)",
    schema: positiveNumber.default(120),
  }),
  "budget-seconds": flag({
    value: "N",
    help: "stop the run after N seconds; unfinished files are interrupted",
    schema: positiveNumber.optional(),
  }),
  "max-tokens": flag({
    value: "N",
    help: "stop after N tokens in total; unfinished files are interrupted",
    schema: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
  }),
  "max-cost": flag({
    value: "USD",
    help: "stop after an estimated USD cost; unfinished files are interrupted",
    schema: positiveNumber.optional(),
  }),
  "max-file-bytes": flag({
    value: "N",
    help: "skip larger files (default 262144)",
    schema: wholeNumber(1, 1024 * 1024 * 1024).default(256 * 1024),
  }),
  cache: flag({
    value: "DIR",
    help: "verdict cache: files whose content, rubric and judge are unchanged are not sent again (e.g. .rubric-gate/cache; default off)",
    schema: z.string().min(1).optional(),
  }),
  shard: flag({
    value: "I/N",
    help: "grade only part I of N of the matched files (size-balanced, the same files for the same tree); join the shards' reports with merge-reports",
    schema: z
      .string()
      .transform((text, ctx) => {
        const shard = parseShard(text);
        if (!shard) {
          ctx.addIssue({ code: "custom", message: "expected I/N with 1 <= I <= N <= 256, e.g. 2/4" });
          return z.NEVER;
        }
        return shard;
      })
      .optional(),
  }),
  batch: flag({
    help: "send the model calls through the providers' batch APIs (OpenAI Batch, Anthropic Message Batches) at half price; results within 24 h, most within an hour; a stopped run resumes when run again",
    schema: z.boolean().default(false),
  }),
  "batch-state": flag({
    value: "FILE",
    help: "where --batch keeps its batch ids (default .rubric-gate/batch-state.json)",
    schema: z.string().min(1).optional(),
  }),
  journal: flag({
    value: "FILE",
    help: "append one JSON line per file, iteration and criterion to FILE (schema/journal.schema.json)",
    schema: z.string().min(1).optional(),
  }),
  mlflow: flag({
    value: "URI",
    help: "log the run to an MLflow tracking server (default $MLFLOW_TRACKING_URI; auth from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD); a failed export warns and never changes the gate",
    schema: z.string().min(1).optional(),
  }),
  prices: flag({
    value: "FILE",
    help: 'JSON price overrides: {"model-prefix": {"input": 2, "output": 8, "cached_input": 0.5}} in USD per million tokens',
    schema: z.string().min(1).optional(),
  }),
};

/** check-rubrics takes grade's `--rubrics` and `--json`. */
const CHECK_RUBRICS_FLAGS = {
  rubrics: GRADE_FLAGS.rubrics,
  json: flag({ help: "print the rubrics and their criteria as JSON", schema: z.boolean().default(false) }),
};

export const HELP = `rubric-gate — grade files against markdown rubrics with an isolated LLM judge

Usage:
  rubric-gate grade [PATH...] [options]   grade PATHs, or every file the rubrics match
  rubric-gate check-rubrics [options]     validate the rubrics and list their criteria
  rubric-gate --help | --version

Options for grade:
${optionRows(GRADE_FLAGS)}

Options for check-rubrics:
${optionRows(CHECK_RUBRICS_FLAGS)}

Environment: OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
RUBRIC_GATE_JUDGE, RUBRIC_GATE_WRITER, MLFLOW_TRACKING_URI.

Exit codes: 0 the gate passed; 1 the gate failed; 2 usage or configuration error;
3 the judge could not be used (grader_error, no key, endpoint down).`;

/** grade's flags after the environment's defaults: `judge` the first judge, `judges` every `--judge`. */
export type GradeFlags = Omit<FlagValues<typeof GRADE_FLAGS>, "judge"> & {
  judge: string | undefined;
  /** Every `--judge` given, in order; more than one makes a panel. */
  judges: string[];
};

export type Command =
  | { command: "help" }
  | { command: "version" }
  | { command: "grade"; paths: string[]; flags: GradeFlags }
  | { command: "check-rubrics"; rubrics: string; json: boolean };

/** A bad command line: the message names the flag, the bad value and the expected form. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Parses argv (without node and the script) into a command; environment defaults fill the gaps. */
export function parseCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  /** Every command's name, for "did you mean" (grade and check-rubrics are known here). */
  commands: readonly string[] = ["grade", "check-rubrics"],
): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help")
    return { command: "help" };
  if (command === "--version" || command === "-v") return { command: "version" };
  if (command !== "grade" && command !== "check-rubrics") {
    const hint = command.startsWith("-")
      ? didYouMean(command.replace(/^-+/, ""), ["help", "version"], (c) => `--${c}`)
      : didYouMean(command, commands);
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}${hint} (commands: ${commands.join(", ")}; see --help)`,
    );
  }
  if (command === "check-rubrics") {
    // A flag of grade given here is named as such, not as an unknown flag with a near miss.
    const ofGrade = rest
      .map((arg) => /^--([\w-]+)/.exec(arg)?.[1] ?? "")
      .find((name) => name in GRADE_FLAGS && !(name in CHECK_RUBRICS_FLAGS));
    if (ofGrade !== undefined)
      throw new UsageError(`check-rubrics: --${ofGrade} is a flag of grade, not of check-rubrics`);
    const parsed = parseFlags(command, rest, CHECK_RUBRICS_FLAGS, false);
    if (!parsed.ok) throw new UsageError(parsed.message);
    if (parsed.help) return { command: "help" };
    return { command, rubrics: parsed.values.rubrics, json: parsed.values.json };
  }
  const parsed = parseFlags(command, rest, GRADE_FLAGS);
  if (!parsed.ok) throw new UsageError(parsed.message);
  if (parsed.help) return { command: "help" };
  const { values } = parsed;
  const flags: GradeFlags = {
    ...values,
    judges: values.judge,
    judge: values.judge[0] ?? fromEnv(env, "RUBRIC_GATE_JUDGE"),
    writer: values.writer ?? fromEnv(env, "RUBRIC_GATE_WRITER"),
    mlflow: values.mlflow ?? (env.MLFLOW_TRACKING_URI || undefined),
  };
  return { command, paths: parsed.positionals, flags };
}

/** A model spec from the environment, checked as a flag's would be; the message names the variable. */
function fromEnv(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name] || undefined;
  if (value === undefined) return undefined;
  const checked = modelSpec.safeParse(value);
  if (!checked.success)
    throw new UsageError(
      `$${name} ${JSON.stringify(value)}: ${checked.error.issues[0]?.message ?? "invalid"}`,
    );
  return value;
}
