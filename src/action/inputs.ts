import { z } from "zod";
import { parseShard } from "../engine/shard.js";
import { IMAGES_MODES, REASONING_EFFORTS } from "../ports/models.js";
import { decimal, modelSpec, positiveNumber, wholeNumber } from "../util/string-schemas.js";

const bool = z.enum(["true", "false"], { message: "expected true or false" }).transform((v) => v === "true");

/** The Action's inputs (action.yml), each validated; an empty input takes its default. */
const InputsSchema = z.object({
  rubrics: z.string().default("rubrics/**/*.md"),
  paths: z.string().default(""),
  // One judge, or a panel: one provider:model per line (or comma-separated); they vote per criterion.
  judge: z.string().transform(splitList).pipe(z.array(modelSpec).min(1)).optional(),
  "judge-samples": wholeNumber(1, 9).default(1),
  writer: modelSpec.optional(),
  "judge-effort": z
    .enum(REASONING_EFFORTS, { message: `expected ${REASONING_EFFORTS.join(", ")}` })
    .optional(),
  "judge-temperature": decimal(0, 2).optional(),
  "writer-effort": z
    .enum(REASONING_EFFORTS, { message: `expected ${REASONING_EFFORTS.join(", ")}` })
    .optional(),
  "writer-temperature": decimal(0, 2).optional(),
  "openai-api-key": z.string().optional(),
  "anthropic-api-key": z.string().optional(),
  "openai-base-url": z.url({ message: "expected a URL, e.g. https://gateway.example.com/v1" }).optional(),
  "anthropic-base-url": z.url({ message: "expected a URL" }).optional(),
  "json-mode": z.enum(["schema", "prompt"]).default("schema"),
  images: z.enum(IMAGES_MODES, { message: "expected auto, on or off" }).default("auto"),
  revise: z
    .enum(["off", "suggest", "commit", "pr"], { message: "expected off, suggest, commit or pr" })
    .default("off"),
  "max-iterations": wholeNumber(0, 20).optional(),
  concurrency: wholeNumber(1, 64).default(4),
  "check-name": z.string().min(1).max(100).default("rubric-gate"),
  comment: bool.default(true),
  "fail-on": z.enum(["blocking", "advisory", "never"]).default("blocking"),
  "on-grader-error": z.enum(["failure", "neutral"]).default("failure"),
  "github-token": z.string().optional(),
  "timeout-seconds": positiveNumber.default(120),
  "budget-seconds": positiveNumber.optional(),
  "max-tokens": wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
  "max-cost": positiveNumber.optional(),
  "max-file-bytes": wholeNumber(1, 1024 * 1024 * 1024).default(256 * 1024),
  "cache-dir": z.string().optional(),
  batch: bool.default(false),
  "fork-pull-requests": z.enum(["skip", "grade"], { message: "expected skip or grade" }).default("skip"),
  "fork-max-cost": positiveNumber.default(1),
  // A matrix job grades its part and only writes its report; a final job publishes them (SPEC §12).
  shard: z
    .string()
    .transform((text, ctx) => {
      const shard = parseShard(text);
      if (!shard) {
        ctx.addIssue({
          code: "custom",
          message: "expected I/N with 1 <= I <= N <= 256, e.g. 2/4",
        });
        return z.NEVER;
      }
      return shard;
    })
    .optional(),
  "merge-reports": z.string().default(""),
  prices: z.string().optional(),
  // Read by the command mode itself (src/action/command.ts); listed so every input is validated here.
  command: z.string().default(""),
});
export type Inputs = z.infer<typeof InputsSchema>;
export const INPUT_NAMES = Object.keys(InputsSchema.shape) as (keyof Inputs)[];

/** A bad input: names the input, quotes the value and says the expected form. */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** Reads and validates every input through `getInput` (core.getInput in the Action). */
export function readInputs(getInput: (name: string) => string): Inputs {
  const raw: Record<string, string> = {};
  for (const name of INPUT_NAMES) {
    const value = getInput(name).trim();
    if (value !== "") raw[name] = value;
  }
  const parsed = InputsSchema.superRefine((inputs, ctx) => {
    // Revisions from several jobs would race each other; a sharded run reports only.
    for (const mode of ["shard", "merge-reports"] as const) {
      if (inputs[mode] !== undefined && inputs[mode] !== "" && inputs.revise !== "off") {
        ctx.addIssue({
          code: "custom",
          path: [mode],
          message: `a sharded run grades and reports only; set revise: off (it is ${inputs.revise})`,
        });
      }
    }
    if (inputs.shard && inputs["merge-reports"] !== "") {
      ctx.addIssue({
        code: "custom",
        path: ["merge-reports"],
        message: "give shard to the matrix jobs and merge-reports to the final job, not both to one",
      });
    }
  }).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "");
      const secret = name.endsWith("-key") || name === "github-token";
      const value = secret ? "(hidden)" : JSON.stringify(raw[name]);
      return `input "${name}" = ${value}: ${issue.message}`;
    });
    throw new InputError(problems.join("; "));
  }
  return parsed.data;
}

/** The `merge-reports` input as a list of globs of shard reports. */
export function reportGlobs(inputs: Inputs): string[] {
  return splitList(inputs["merge-reports"]);
}

/** The `paths` input as a list of globs (one per line, or comma-separated). */
export function pathGlobs(inputs: Inputs): string[] {
  return splitList(inputs.paths);
}

function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter(Boolean);
}
