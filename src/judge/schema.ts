import { z } from "zod";
import type { JsonSchema } from "../ports/models.js";
import type { Rubric } from "../rubric/types.js";
import { answerJsonSchema } from "../util/answer-schema.js";

export const JUDGE_SCHEMA_NAME = "rubric_verdicts";

/**
 * The JSON Schema sent with every judge call (SPEC §2): one required property per criterion id,
 * each `{ evidence, explanation, verdict }` in that order, so the model quotes before it decides.
 */
export function judgeJsonSchema(rubric: Rubric): JsonSchema {
  let schema = jsonSchemas.get(rubric);
  if (!schema) {
    schema = buildJudgeJsonSchema(rubric);
    jsonSchemas.set(rubric, schema);
  }
  return schema;
}

// Built once per rubric: a large tree tends to be graded against a handful of rubrics, and zod
// compiles a validator on its first use, which costs more than the validation itself.
const jsonSchemas = new WeakMap<Rubric, JsonSchema>();
const answerSchemas = new WeakMap<Rubric, z.ZodType<JudgeAnswer>>();

/**
 * The answer's shape, defined once: it is both the validator of an answer and, through
 * `answerJsonSchema`, the schema sent to the model. What each field means is said once, in the judge's
 * instructions, not repeated per criterion; each criterion's text is its property's description.
 */
const CriterionAnswer = z.object({
  evidence: z.string(),
  explanation: z.string(),
  verdict: z.enum(["pass", "fail"]),
});

function answerSchema(rubric: Rubric): z.ZodType<JudgeAnswer> {
  let schema = answerSchemas.get(rubric);
  if (!schema) {
    const shape: Record<string, z.ZodType<z.infer<typeof CriterionAnswer>>> = {};
    for (const c of rubric.criteria) shape[c.id] = CriterionAnswer.describe(c.text);
    schema = z.object({
      criteria: z.object(shape).strict(),
      applicable: z.boolean(),
      summary: z.string(),
    });
    answerSchemas.set(rubric, schema);
  }
  return schema;
}

function buildJudgeJsonSchema(rubric: Rubric): JsonSchema {
  return answerJsonSchema(answerSchema(rubric));
}

export type JudgeAnswer = {
  criteria: Record<string, z.infer<typeof CriterionAnswer>>;
  applicable: boolean;
  summary: string;
};

/** Parses and validates a judge's raw answer; the error text is sent back on the corrective retry. */
export function parseJudgeAnswer(
  rubric: Rubric,
  text: string,
): { ok: true; answer: JudgeAnswer } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `the answer is not valid JSON (${(error as Error).message})` };
  }
  const parsed = answerSchema(rubric).safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    return { ok: false, error: `the answer does not match the schema: ${issues}` };
  }
  return { ok: true, answer: parsed.data };
}
