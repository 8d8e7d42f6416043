import { z } from "zod";
import { FileResultSchema, type Report } from "./schema.js";

/** Version of the journal line format; bumped on any incompatible change. */
export const JOURNAL_VERSION = 1;

const count = z.number().int().nonnegative();

/**
 * One line of `--journal FILE.jsonl` (SPEC §11): one file × iteration × criterion of one run. An
 * iteration the judge never graded (a grader error, a rejected or interrupted revision) gets one line
 * with `criterion: null`, so every iteration is in the journal. Published as
 * `schema/journal.schema.json`.
 */
export const JournalLineSchema = z.object({
  journal_version: z.literal(JOURNAL_VERSION),
  /** When the run started (ISO 8601): the lines of one run share it. */
  run_started_at: z.string(),
  tool_version: z.string(),
  path: z.string(),
  rubric: z.string(),
  /** sha256 of the rubric file's bytes; null when the report does not say (older reports). */
  rubric_sha256: z.string().nullable(),
  /** The file's result in this run. */
  result: FileResultSchema,
  iteration: count,
  kind: z.enum(["original", "revision"]),
  status: z.enum(["graded", "revision_rejected", "grader_error", "writer_error", "interrupted"]),
  /** sha256 of the version graded; null when no version was graded. */
  content_sha256: z.string().nullable(),
  /** This iteration is the file's best (the one delivered). */
  best: z.boolean(),
  /** The judge models that graded this iteration (`provider:model`), in call order; empty when cached. */
  judges: z.array(z.string()),
  /** The criterion's id; null on the one line of an iteration the judge never graded. */
  criterion: z.string().nullable(),
  advisory: z.boolean().nullable(),
  verdict: z.enum(["pass", "fail"]).nullable(),
  evidence: z.string().nullable(),
  explanation: z.string().nullable(),
  evidence_verified: z.boolean().nullable(),
  /** The judge's quote was not found in the file even after a retry: the verdict is `fail`. */
  unverified: z.boolean(),
  location: z.string().nullable(),
  line: z.number().int().positive().nullable(),
  /** The iteration's score (0–1), repeated on each of its lines; null when not graded. */
  score: z.number().min(0).max(1).nullable(),
  /** Why the iteration was not graded, or null. */
  error: z.string().nullable(),
  /** The verdicts came from the verdict cache: no call was made. */
  cached: z.boolean(),
  /** The iteration's tokens and latency (all its calls, judge and writer), repeated on each of its lines. */
  input_tokens: count,
  output_tokens: count,
  cached_input_tokens: count,
  latency_ms: z.number().nonnegative(),
});
export type JournalLine = z.infer<typeof JournalLineSchema>;

/** The journal lines of a report, in file, iteration and criterion order. */
export function* journalLines(report: Report): Generator<JournalLine> {
  for (const file of report.files) {
    const rubricSha = report.rubrics?.[file.rubric]?.sha256 ?? null;
    for (const iteration of file.iterations) {
      const common = {
        journal_version: JOURNAL_VERSION,
        run_started_at: report.started_at,
        tool_version: report.tool.version,
        path: file.path,
        rubric: file.rubric,
        rubric_sha256: rubricSha,
        result: file.result,
        iteration: iteration.index,
        kind: iteration.kind,
        status: iteration.status,
        content_sha256: iteration.content_sha256,
        best: file.best_iteration === iteration.index,
        judges: iteration.calls.filter((c) => c.role === "judge").map((c) => c.model),
        score: iteration.score,
        error: iteration.error,
        cached: iteration.cached === true,
        input_tokens: iteration.usage.input_tokens,
        output_tokens: iteration.usage.output_tokens,
        cached_input_tokens: iteration.usage.cached_input_tokens,
        latency_ms: iteration.latency_ms,
      } as const;
      const verdicts = Object.entries(iteration.verdicts);
      if (verdicts.length === 0) {
        yield {
          ...common,
          criterion: null,
          advisory: null,
          verdict: null,
          evidence: null,
          explanation: null,
          evidence_verified: null,
          unverified: false,
          location: null,
          line: null,
        };
        continue;
      }
      for (const [criterion, v] of verdicts) {
        yield {
          ...common,
          criterion,
          advisory: v.advisory,
          verdict: v.verdict,
          evidence: v.evidence,
          explanation: v.explanation,
          evidence_verified: v.evidence_verified,
          unverified: v.unverified === true,
          location: v.location,
          line: v.line,
        };
      }
    }
  }
}

export function journalJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://github.com/rubric-gate/rubric-gate/schema/journal.schema.json",
    title: "rubric-gate journal line",
    ...z.toJSONSchema(JournalLineSchema, { target: "draft-2020-12", io: "output" }),
  };
}
