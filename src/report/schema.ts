import { z } from "zod";

/** Version of the report format; bumped on any incompatible change. */
export const REPORT_VERSION = 1;

export const FILE_RESULTS = [
  "satisfied",
  "needs_revision",
  "max_iterations_reached",
  "failed",
  "grader_error",
  "interrupted",
  "skipped",
] as const;
export const FileResultSchema = z.enum(FILE_RESULTS);
export type FileResult = z.infer<typeof FileResultSchema>;

export const UsageSchema = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cached_input_tokens: z.number().int().nonnegative(),
});
export type UsageReport = z.infer<typeof UsageSchema>;

export const VerdictSchema = z.object({
  verdict: z.enum(["pass", "fail"]),
  evidence: z.string(),
  explanation: z.string(),
  /** True when the evidence quote occurs in the artifact. False for an empty quote. */
  evidence_verified: z.boolean(),
  /** 1-based line of the evidence in the graded version, or null when there is none to locate. */
  line: z.number().int().positive().nullable(),
  /**
   * A short locator of the evidence (SPEC §5): `line 12` in a text file, the address in a rendered
   * artifact (`Sheet1!B7`, `slide 3`, `paragraph 12`, `cell 4`); null when there is none.
   */
  location: z.string().nullable(),
  advisory: z.boolean(),
  /**
   * The judge passed the criterion with a quote that does not occur in the file, even after a retry that
   * named it: the verdict is `fail`. Absent when the evidence was not the problem.
   */
  unverified: z.boolean().optional(),
  /** A judge panel's tally (`--judge-samples`, several `--judge`); absent for a single judge call. */
  votes: z.object({ pass: z.number().int().nonnegative(), fail: z.number().int().nonnegative() }).optional(),
  /** The panel had a `pass` vote but no strict majority of them: the verdict is `fail`. */
  uncertain: z.boolean().optional(),
});
export type VerdictReport = z.infer<typeof VerdictSchema>;

export const JudgeCallSchema = z.object({
  model: z.string(),
  usage: UsageSchema,
  latency_ms: z.number().nonnegative(),
  /** HTTP attempts, including retries after 429/5xx. */
  attempts: z.number().int().positive(),
  /** Set when the first answer was invalid and a corrective retry was made. */
  invalid_answer: z.string().nullable(),
  /** The read-only tool calls the judge made before this answer (rubric `tools: true`). */
  tool_calls: z
    .array(
      z.object({
        tool: z.string(),
        /** The arguments as sent (JSON), cut to 300 characters. */
        arguments: z.string(),
        /** Characters of the result the judge was sent. */
        chars: z.number().int().nonnegative(),
        /** Why the call was refused (outside the workspace, a secret-shaped file), or null. */
        refused: z.string().nullable(),
      }),
    )
    .optional(),
});

export const IterationSchema = z.object({
  index: z.number().int().nonnegative(),
  /** `original` grades the file as it is; `revision` grades the writer's revision. */
  kind: z.enum(["original", "revision"]),
  /** Outcome of this iteration's step. */
  status: z.enum(["graded", "revision_rejected", "grader_error", "writer_error", "interrupted"]),
  /** Why a revision was rejected, or the error. */
  error: z.string().nullable(),
  verdicts: z.record(z.string(), VerdictSchema),
  applicable: z.boolean().nullable(),
  summary: z.string().nullable(),
  score: z.number().min(0).max(1).nullable(),
  passed: z.boolean(),
  /** Number of writer edits applied to produce this version (0 for the original). */
  edits_applied: z.number().int().nonnegative(),
  /** Iteration whose content the writer revised, for revisions. */
  revised_from: z.number().int().nonnegative().nullable(),
  content_sha256: z.string().nullable(),
  /**
   * Unified diff from the version this revision was made from (`revised_from`) to this one; absent for
   * the original and for revisions that never reached the judge. Cut at 100,000 characters (then it
   * ends with a line saying so).
   */
  diff: z.string().optional(),
  /** The verdicts came from the verdict cache (`--cache`): no call was made. Absent in older reports. */
  cached: z.boolean().optional(),
  usage: UsageSchema,
  latency_ms: z.number().nonnegative(),
  calls: z.array(JudgeCallSchema.extend({ role: z.enum(["judge", "writer"]) })),
});
export type IterationReport = z.infer<typeof IterationSchema>;

/** Why a file was not graded, as a code (its words are in `reason`). */
export const SKIP_KINDS = [
  "no_rubric",
  "missing",
  "unreadable",
  "too_large",
  "binary",
  "not_utf8",
  "no_judge",
  "unrenderable",
] as const;
export const SkipKindSchema = z.enum(SKIP_KINDS);
export type SkipKind = z.infer<typeof SkipKindSchema>;

export const FileReportSchema = z.object({
  path: z.string(),
  rubric: z.string(),
  result: FileResultSchema,
  /** Set for `skipped` files: why, as a code. `no_judge` means the judge could not be used. */
  skip_kind: SkipKindSchema.optional(),
  /** Why the file was skipped, interrupted or errored; how the loop stopped. */
  reason: z.string().nullable(),
  stop_reason: z
    .enum([
      "satisfied",
      "revision_off",
      "max_iterations",
      "no_progress",
      "not_applicable",
      "error",
      "budget",
      "skipped",
    ])
    .nullable(),
  iterations: z.array(IterationSchema),
  best_iteration: z.number().int().nonnegative().nullable(),
  best_score: z.number().min(0).max(1).nullable(),
  /** True when the delivered (best) content differs from the original. */
  changed: z.boolean(),
  /** Unified diff of original → best, when changed. */
  diff: z.string().nullable(),
  /** Whether the best revision was written back (CLI `--revise`). */
  written: z.boolean(),
  /**
   * A generated file (SPEC §9) graded with revision on is never rewritten: per failing criterion,
   * what its generator must change (the judge's explanation, at the quote's address). Absent otherwise.
   */
  generator_changes: z
    .array(
      z.object({
        criterion: z.string(),
        advisory: z.boolean(),
        location: z.string().nullable(),
        change: z.string(),
      }),
    )
    .optional(),
  usage: UsageSchema,
  cost_usd: z.number().nonnegative().nullable(),
});
export type FileReport = z.infer<typeof FileReportSchema>;

/**
 * The run's one decision (see `decideGate`), from which every output is rendered: the CLI's last line
 * and exit code, the check's conclusion and title, the summary's headline and the Action's outputs.
 * - `passed`: at least one file was graded and every graded file is `satisfied`;
 * - `failed`: a graded file is not `satisfied` (needs revision, not applicable, interrupted);
 * - `error`: the judge could not be used for a file (`grader_error`, or no judge configured);
 * - `config_error`: a rubric or the configuration is broken, nothing was graded;
 * - `not_graded`: files were matched, but none could be graded (all `skipped`);
 * - `nothing_to_grade`: no file was matched at all.
 */
export const GATE_STATUSES = [
  "passed",
  "failed",
  "error",
  "config_error",
  "not_graded",
  "nothing_to_grade",
] as const;
export const GateStatusSchema = z.enum(GATE_STATUSES);
export type GateStatus = z.infer<typeof GateStatusSchema>;

export const GateSchema = z.object({
  /** True only for `passed` and `nothing_to_grade`: the gate lets the change through. */
  passed: z.boolean(),
  status: GateStatusSchema,
  /** CLI exit code: 0 passed (or nothing to grade), 1 failed or not graded, 2 configuration error, 3 judge unusable. */
  exit_code: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  counts: z.record(FileResultSchema, z.number().int().nonnegative()),
  /** Matched files that were not graded, with why: a pass with any of these is never a plain pass. */
  ungraded: z.array(z.object({ path: z.string(), rubric: z.string(), reason: z.string() })),
  /** Failing advisory criteria in the graded files (they never fail the gate by themselves). */
  advisory_failures: z.number().int().nonnegative(),
  /** Verdicts turned into fails because their evidence could not be found in the file. */
  unverified: z.number().int().nonnegative(),
});
export type Gate = z.infer<typeof GateSchema>;

export const ConfigErrorSchema = z.object({
  file: z.string(),
  line: z.number().int().nonnegative(),
  message: z.string(),
  hint: z.string(),
});

/** A rubric as graded in this run: its hash and criteria, so a reader need not find the rubric file. */
export const RubricSummarySchema = z.object({
  /** sha256 of the rubric file's bytes. */
  sha256: z.string(),
  criteria: z.array(z.object({ id: z.string(), text: z.string(), advisory: z.boolean() })),
});

export const ReportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  tool: z.object({ name: z.literal("rubric-gate"), version: z.string() }),
  started_at: z.string(),
  judge: z.string().nullable(),
  /** Every default judge when there is a panel (`--judge` given more than once). */
  judges: z.array(z.string()).optional(),
  /** Judge calls per judge per graded version (`--judge-samples`), when more than one. */
  judge_samples: z.number().int().min(1).optional(),
  writer: z.string().nullable(),
  gate: GateSchema,
  config_errors: z.array(ConfigErrorSchema),
  totals: z.object({
    files: z.number().int().nonnegative(),
    calls: z.number().int().nonnegative(),
    judge_calls: z.number().int().nonnegative(),
    writer_calls: z.number().int().nonnegative(),
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    cached_input_tokens: z.number().int().nonnegative(),
    /** Grades served from the verdict cache (`--cache`), at no call and no cost. Absent in older reports. */
    cached_grades: z.number().int().nonnegative().optional(),
    /** Estimated cost in USD, or null when a model has no known price. */
    cost_usd: z.number().nonnegative().nullable(),
    wall_ms: z.number().nonnegative(),
  }),
  files: z.array(FileReportSchema),
  /**
   * Set on a shard's report (`--shard I/N`, SPEC §12): which part it is, the digest of the whole
   * partition (shards of one run share it) and how many files the whole run matched.
   */
  shard: z
    .object({
      index: z.number().int().positive(),
      count: z.number().int().positive(),
      partition: z.string(),
      files: z.number().int().nonnegative(),
    })
    .optional(),
  /** Set on a report that `merge-reports` joined: how many shard reports it was made of. */
  merged_shards: z.number().int().positive().optional(),
  /** Every rubric a file was graded by, by path. Absent in older reports. */
  rubrics: z.record(z.string(), RubricSummarySchema).optional(),
});
export type Report = z.infer<typeof ReportSchema>;
