import { z } from "zod";

/** Version of the calibration report format; bumped on any incompatible change. */
export const CALIBRATION_VERSION = 1;

const count = z.number().int().nonnegative();
const rate = z.number().min(0).max(1).nullable();
const label = z.enum(["pass", "fail"]);

const ConfusionSchema = z.object({
  expected_pass: z.object({ judged_pass: count, judged_fail: count }),
  expected_fail: z.object({ judged_pass: count, judged_fail: count }),
});

export const MetricsSchema = z.object({
  labeled: count,
  agreement: rate,
  /** Null when there are no labels, or when every label and verdict is one class (kappa is 0/0). */
  kappa: z.number().min(-1).max(1).nullable(),
  /** Judged pass where the label says fail, over the labeled fails. */
  false_pass_rate: rate,
  /** Judged fail where the label says pass, over the labeled passes. */
  false_fail_rate: rate,
  confusion: ConfusionSchema,
  /** Fraction of judged examples whose samples were not unanimous; null with one sample. */
  flip_rate: rate,
});

const ExampleVerdictSchema = z.object({
  /** The label, or null when the example does not label this criterion. */
  expected: label.nullable(),
  /** The judge's verdict (the majority with several samples: no strict majority of pass is fail). */
  verdict: label,
  /** Whether the verdict matches the label; null when unlabeled. */
  agrees: z.boolean().nullable(),
  evidence: z.string(),
  explanation: z.string(),
  evidence_verified: z.boolean(),
  votes: z.object({ pass: count, fail: count }).optional(),
  uncertain: z.boolean().optional(),
  /** The samples disagreed with each other. */
  flipped: z.boolean(),
});

const ExampleSchema = z.object({
  path: z.string(),
  /** The path the judge was told. */
  presented_path: z.string(),
  status: z.enum(["graded", "grader_error"]),
  error: z.string().nullable(),
  expected_result: z.enum(["satisfied", "needs_revision"]).nullable(),
  result: z.enum(["satisfied", "needs_revision", "failed"]).nullable(),
  applicable: z.boolean().nullable(),
  summary: z.string().nullable(),
  verdicts: z.record(z.string(), ExampleVerdictSchema),
  calls: count,
});

const ViolationSchema = z.object({
  row: z.string(),
  metric: z.enum(["kappa", "false_pass_rate"]),
  value: z.number().nullable(),
  limit: z.number(),
  message: z.string(),
});

/** The JSON document `rubric-gate calibrate --report FILE` writes. */
export const CalibrationReportSchema = z.object({
  version: z.literal(CALIBRATION_VERSION),
  kind: z.literal("calibration"),
  tool: z.object({ name: z.literal("rubric-gate"), version: z.string() }),
  started_at: z.string(),
  rubric: z.object({ path: z.string(), sha256: z.string(), criteria: z.array(z.string()) }),
  /** Every judge of the panel, `provider:model`. */
  judges: z.array(z.string()).min(1),
  /** Calls per judge per example. */
  samples: z.number().int().min(1),
  examples: z.array(ExampleSchema),
  metrics: z.object({
    /** Per criterion id, in the rubric's order. */
    criteria: z.record(z.string(), MetricsSchema),
    /** Every labeled criterion verdict of every example, pooled. */
    all_criteria: MetricsSchema,
    /** `expect_result` against the judged result (`satisfied` is the positive class). */
    result: MetricsSchema,
  }),
  gates: z.object({
    min_kappa: z.number().nullable(),
    max_false_pass: z.number().nullable(),
    passed: z.boolean(),
    violations: z.array(ViolationSchema),
  }),
  /** 0 gates passed; 1 a gate was violated; 3 the judge could not be used on some example. */
  exit_code: z.union([z.literal(0), z.literal(1), z.literal(3)]),
  totals: z.object({
    examples: count,
    graded: count,
    calls: count,
    input_tokens: count,
    output_tokens: count,
    cached_input_tokens: count,
    /** Estimated USD, or null when a model has no known price. */
    cost_usd: z.number().nonnegative().nullable(),
    wall_ms: z.number().nonnegative(),
  }),
});
export type CalibrationReport = z.infer<typeof CalibrationReportSchema>;
export type ExampleReport = z.infer<typeof ExampleSchema>;

/** The calibration report's JSON Schema (draft 2020-12), as published in `schema/calibration.schema.json`. */
export function calibrationJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://github.com/rubric-gate/rubric-gate/schema/calibration.schema.json",
    title: "rubric-gate calibration report",
    ...z.toJSONSchema(CalibrationReportSchema, { target: "draft-2020-12", io: "output" }),
  };
}
