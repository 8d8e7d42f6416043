import { parseArgs } from "node:util";
import { z } from "zod";
import { parseShard } from "../engine/shard.js";
import { IMAGES_MODES } from "../ports/models.js";
import { modelSpec, positiveNumber, wholeNumber } from "../util/string-schemas.js";
import { didYouMean } from "../util/suggest.js";
import { flagErrorMessage } from "./flag-errors.js";

export const HELP = `rubric-gate — grade files against markdown rubrics with an isolated LLM judge

Usage:
  rubric-gate grade [PATH...] [options]   grade PATHs, or every file the rubrics match
  rubric-gate check-rubrics [options]     validate the rubrics and list their criteria
  rubric-gate --help | --version

Options for grade:
  --rubrics GLOB          rubric files (default rubrics/**/*.md)
  --judge PROVIDER:MODEL  judge model, e.g. openai:gpt-4.1, anthropic:claude-sonnet-4-6,
                          openai-compatible:llama3.1 (default $RUBRIC_GATE_JUDGE); give it
                          more than once for a panel that votes per criterion
  --judge-samples N       ask each judge N times (1-9, default 1); a criterion passes only
                          with a strict majority of pass votes
  --writer PROVIDER:MODEL
                          writer model for --revise (default $RUBRIC_GATE_WRITER, else the judge)
  --revise                run the outcome loop and write the best revision back to the file
  --max-iterations N      cap every rubric's max_iterations (0-20)
  --concurrency N         files graded at once (default 4)
  --report FILE           write the JSON report to FILE
  --json                  print the JSON report to stdout
  --dry-run               no model call: files, rubrics, prompt sizes, token and cost estimate
  --json-mode MODE        schema (default) or prompt, for OpenAI-compatible servers that ignore json_schema
  --images MODE           auto (default: pictures to OpenAI and Anthropic, not to OpenAI-compatible), on or off
  --timeout SECONDS       per model call (default 120)
  --budget-seconds N      stop the run after N seconds; unfinished files are interrupted
  --max-tokens N          stop after N tokens in total; unfinished files are interrupted
  --max-cost USD          stop after an estimated USD cost; unfinished files are interrupted
  --max-file-bytes N      skip larger files (default 262144)
  --cache DIR             verdict cache: files whose content, rubric and judge are unchanged
                          are not sent again (e.g. .rubric-gate/cache; default off)
  --shard I/N             grade only part I of N of the matched files (size-balanced, the same files
                          for the same tree); join the shards' reports with merge-reports
  --batch                 send the model calls through the providers' batch APIs (OpenAI Batch,
                          Anthropic Message Batches) at half price; results within 24 h, most within
                          an hour; a stopped run resumes when run again
  --batch-state FILE      where --batch keeps its batch ids (default .rubric-gate/batch-state.json)
  --journal FILE          append one JSON line per file, iteration and criterion to FILE
                          (schema/journal.schema.json)
  --mlflow URI            log the run to an MLflow tracking server (default $MLFLOW_TRACKING_URI;
                          auth from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD);
                          a failed export warns and never changes the gate
  --prices FILE           JSON price overrides: {"model-prefix": {"input": 2, "output": 8, "cached_input": 0.5}}
                          in USD per million tokens

Environment: OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
RUBRIC_GATE_JUDGE, RUBRIC_GATE_WRITER, MLFLOW_TRACKING_URI.

Exit codes: 0 the gate passed; 1 the gate failed; 2 usage or configuration error;
3 the judge could not be used (grader_error, no key, endpoint down).`;

const GradeFlags = z.object({
  rubrics: z.string().min(1).default("rubrics/**/*.md"),
  judge: modelSpec.optional(),
  /** Every `--judge` given, in order; more than one makes a panel. */
  judges: z.array(modelSpec).default([]),
  "judge-samples": wholeNumber(1, 9).default(1),
  writer: modelSpec.optional(),
  revise: z.boolean().default(false),
  "max-iterations": wholeNumber(0, 20).optional(),
  concurrency: wholeNumber(1, 256).default(4),
  report: z.string().min(1).optional(),
  json: z.boolean().default(false),
  "dry-run": z.boolean().default(false),
  "json-mode": z.enum(["schema", "prompt"]).default("schema"),
  images: z.enum(IMAGES_MODES).default("auto"),
  timeout: positiveNumber.default(120),
  "budget-seconds": positiveNumber.optional(),
  "max-tokens": wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
  "max-cost": positiveNumber.optional(),
  "max-file-bytes": wholeNumber(1, 1024 * 1024 * 1024).default(256 * 1024),
  prices: z.string().min(1).optional(),
  cache: z.string().min(1).optional(),
  shard: z
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
  batch: z.boolean().default(false),
  "batch-state": z.string().min(1).optional(),
  journal: z.string().min(1).optional(),
  mlflow: z.string().min(1).optional(),
});
export type GradeFlags = z.infer<typeof GradeFlags>;

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
  const options = {
    rubrics: { type: "string" },
    judge: { type: "string", multiple: true },
    "judge-samples": { type: "string" },
    writer: { type: "string" },
    revise: { type: "boolean" },
    "max-iterations": { type: "string" },
    concurrency: { type: "string" },
    report: { type: "string" },
    json: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "json-mode": { type: "string" },
    images: { type: "string" },
    timeout: { type: "string" },
    "budget-seconds": { type: "string" },
    "max-tokens": { type: "string" },
    "max-cost": { type: "string" },
    "max-file-bytes": { type: "string" },
    prices: { type: "string" },
    cache: { type: "string" },
    shard: { type: "string" },
    batch: { type: "boolean" },
    "batch-state": { type: "string" },
    journal: { type: "string" },
    mlflow: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: command === "grade", strict: true, options });
  } catch (error) {
    const flags = command === "grade" ? Object.keys(options) : ["rubrics", "json", "help"];
    throw new UsageError(flagErrorMessage(command, error, flags), { cause: error });
  }
  if (parsed.values.help) return { command: "help" };
  const values: Record<string, unknown> = { ...parsed.values };
  delete values.help;
  if (command === "check-rubrics") {
    const extra = Object.keys(values).filter((k) => k !== "rubrics" && k !== "json");
    if (extra.length)
      throw new UsageError(`check-rubrics: --${extra[0]} is a flag of grade, not of check-rubrics`);
    return {
      command,
      rubrics: typeof values.rubrics === "string" ? values.rubrics : "rubrics/**/*.md",
      json: values.json === true,
    };
  }
  values.judges = parsed.values.judge ?? [];
  values.judge = parsed.values.judge?.[0] ?? (env.RUBRIC_GATE_JUDGE || undefined);
  values.writer ??= env.RUBRIC_GATE_WRITER || undefined;
  values.mlflow ??= env.MLFLOW_TRACKING_URI || undefined;
  const flags = GradeFlags.safeParse(values);
  if (!flags.success) {
    const issue = flags.error.issues[0];
    // A bad entry of a repeated `--judge` is reported as that `--judge` value.
    const entry = issue?.path[0] === "judges" ? Number(issue.path[1]) : undefined;
    const flag = entry === undefined ? String(issue?.path[0] ?? "") : "judge";
    const fromEnv = (flag === "judge" || flag === "writer") && parsed.values[flag] === undefined;
    const where = fromEnv ? `$RUBRIC_GATE_${flag.toUpperCase()}` : `--${flag}`;
    const value = entry === undefined ? values[flag] : parsed.values.judge?.[entry];
    throw new UsageError(`${where} ${JSON.stringify(value)}: ${issue?.message ?? "invalid"}`);
  }
  return { command, paths: parsed.positionals, flags: flags.data };
}
