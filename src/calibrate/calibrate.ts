import type { Meter } from "../engine/meter.js";
import { mapWithLimit } from "../engine/pool.js";
import type { Clock } from "../ports/clock.js";
import type { Grade, Judge } from "../judge/judge.js";
import { scoreVerdicts } from "../loop/score.js";
import type { Rubric } from "../rubric/types.js";
import type { Example } from "./examples.js";
import { checkGates, computeMetrics, type LabeledVerdict, type Metrics } from "./metrics.js";
import { CALIBRATION_VERSION, type CalibrationReport, type ExampleReport } from "./schema.js";

export interface CalibrateOptions {
  rubric: Rubric;
  examples: Example[];
  /** The judge to calibrate: one judge, or a panel (judges × samples) that votes. */
  judge: Judge;
  judges: string[];
  samples: number;
  concurrency: number;
  minKappa: number | null;
  maxFalsePass: number | null;
  /** Counts the calls, tokens and cost of the judge's clients. */
  meter: Meter;
  clock: Clock;
  signal?: AbortSignal;
  toolVersion: string;
  /** Called as each example is judged, for progress lines. */
  onExample?: (example: ExampleReport, done: number, total: number) => void;
}

/** Rows of the calibration table, in order: each criterion, then `all criteria`, then `result`. */
export const ALL_CRITERIA = "all criteria";
export const RESULT = "result";

/**
 * Runs the judge on every labeled example and measures it against the labels: agreement, Cohen's
 * kappa, false-pass and false-fail rates and the confusion matrix per criterion, pooled and for the
 * result; flip rates with several samples; and the `--min-kappa` / `--max-false-pass` gates.
 */
export async function calibrate(options: CalibrateOptions): Promise<CalibrationReport> {
  const started = options.clock.now();
  const startedAt = new Date().toISOString();
  const { rubric } = options;
  let done = 0;
  const examples = await mapWithLimit(options.examples, options.concurrency, async (example) => {
    const grade = await options.judge.grade(
      rubric,
      { path: example.presentedPath, content: example.content },
      options.signal,
    );
    const report = exampleReport(rubric, example, grade);
    options.onExample?.(report, ++done, options.examples.length);
    return report;
  });

  const panelSize = options.judges.length * options.samples;
  const graded = examples.filter((e) => e.status === "graded");
  const flipRate = (flipped: number, judged: number): number | null =>
    panelSize > 1 && judged > 0 ? flipped / judged : null;

  const criteria: Record<string, Metrics> = {};
  const pooled: LabeledVerdict[] = [];
  let pooledFlips = 0;
  for (const criterion of rubric.criteria) {
    const pairs: LabeledVerdict[] = [];
    let flips = 0;
    for (const example of graded) {
      const verdict = example.verdicts[criterion.id];
      if (!verdict) continue;
      if (verdict.flipped) flips++;
      if (verdict.expected !== null) pairs.push({ expected: verdict.expected, judged: verdict.verdict });
    }
    criteria[criterion.id] = computeMetrics(pairs, flipRate(flips, graded.length));
    pooled.push(...pairs);
    pooledFlips += flips;
  }
  const allCriteria = computeMetrics(pooled, flipRate(pooledFlips, graded.length * rubric.criteria.length));
  const result = computeMetrics(
    graded.flatMap((e) =>
      e.expected_result === null || e.result === null
        ? []
        : [
            {
              expected: e.expected_result === "satisfied" ? "pass" : "fail",
              judged: e.result === "satisfied" ? "pass" : "fail",
            } as const,
          ],
    ),
  );

  const violations = checkGates(
    [
      ...rubric.criteria.map((c) => ({ row: c.id, metrics: criteria[c.id] as Metrics })),
      { row: ALL_CRITERIA, metrics: allCriteria },
      { row: RESULT, metrics: result },
    ],
    { minKappa: options.minKappa, maxFalsePass: options.maxFalsePass },
  );
  const judgeFailed = graded.length < examples.length;
  const meter = options.meter;
  return {
    version: CALIBRATION_VERSION,
    kind: "calibration",
    tool: { name: "rubric-gate", version: options.toolVersion },
    started_at: startedAt,
    rubric: { path: rubric.path, sha256: rubric.hash, criteria: rubric.criteria.map((c) => c.id) },
    judges: options.judges,
    samples: options.samples,
    examples,
    metrics: { criteria, all_criteria: allCriteria, result },
    gates: {
      min_kappa: options.minKappa,
      max_false_pass: options.maxFalsePass,
      passed: !judgeFailed && violations.length === 0,
      violations,
    },
    exit_code: judgeFailed ? 3 : violations.length > 0 ? 1 : 0,
    totals: {
      examples: examples.length,
      graded: graded.length,
      calls: meter.calls,
      input_tokens: meter.inputTokens,
      output_tokens: meter.outputTokens,
      cached_input_tokens: meter.cachedInputTokens,
      cost_usd: meter.unpricedModels.size > 0 ? null : meter.costUsd,
      wall_ms: options.clock.now() - started,
    },
  };
}

function exampleReport(rubric: Rubric, example: Example, grade: Grade): ExampleReport {
  const base = {
    path: example.path,
    presented_path: example.presentedPath,
    expected_result: example.expectResult,
    calls: grade.calls.length,
  };
  if (grade.kind === "error") {
    return {
      ...base,
      status: "grader_error",
      error: grade.error,
      result: null,
      applicable: null,
      summary: null,
      verdicts: {},
    };
  }
  const scored = scoreVerdicts(rubric, grade.verdicts, grade.applicable);
  const verdicts: ExampleReport["verdicts"] = {};
  for (const criterion of rubric.criteria) {
    const v = grade.verdicts[criterion.id];
    if (!v) continue;
    const expected = example.expect[criterion.id] ?? null;
    verdicts[criterion.id] = {
      expected,
      verdict: v.verdict,
      agrees: expected === null ? null : expected === v.verdict,
      evidence: v.evidence,
      explanation: v.explanation,
      evidence_verified: v.evidenceVerified,
      ...(v.votes ? { votes: v.votes, uncertain: v.uncertain ?? false } : {}),
      flipped: v.votes !== undefined && v.votes.pass > 0 && v.votes.fail > 0,
    };
  }
  return {
    ...base,
    status: "graded",
    error: null,
    result: !grade.applicable ? "failed" : scored.passed ? "satisfied" : "needs_revision",
    applicable: grade.applicable,
    summary: grade.summary,
    verdicts,
  };
}
