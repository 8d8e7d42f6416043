import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import { estimateCostUsd, type PriceTable } from "../engine/pricing.js";
import type { CallRecord } from "../judge/judge.js";
import { isInterruption } from "../ports/models.js";
import type { FileReport, IterationReport, UsageReport } from "../report/schema.js";
import type { Rubric } from "../rubric/types.js";
import type { LoopOutcome, Step } from "./loop.js";

/** The report's view of a finished loop: its iterations, result, usage and cost, mapped once. */
export type LoopReport = Pick<
  FileReport,
  | "result"
  | "reason"
  | "stop_reason"
  | "iterations"
  | "best_iteration"
  | "best_score"
  | "changed"
  | "usage"
  | "cost_usd"
>;

export function loopReport(rubric: Rubric, outcome: LoopOutcome, prices?: PriceTable): LoopReport {
  const iterations = outcome.steps.map((step, index) =>
    iterationOf(rubric, step, index, diffFrom(outcome.steps, step, index)),
  );
  const calls = outcome.steps.flatMap(callsOf);
  return {
    result: outcome.result,
    reason: outcome.reason,
    stop_reason: outcome.stop,
    iterations,
    best_iteration: outcome.best?.index ?? null,
    best_score: outcome.best?.score ?? null,
    changed: outcome.changed,
    usage: usageOf(calls),
    cost_usd: costOf(calls, prices),
  };
}

/** Every model call of a step, the writer's first. */
function callsOf(step: Step): CallRecord[] {
  if (step.kind === "not_graded") return step.calls;
  return [...(step.writerCall ? [step.writerCall] : []), ...step.grade.calls];
}

/** Token counts summed over calls: the one place usage is added up. */
export function usageOf(calls: readonly CallRecord[]): UsageReport {
  const usage: UsageReport = { input_tokens: 0, output_tokens: 0, cached_input_tokens: 0 };
  for (const call of calls) {
    usage.input_tokens += call.usage.inputTokens;
    usage.output_tokens += call.usage.outputTokens;
    usage.cached_input_tokens += call.usage.cachedInputTokens;
  }
  return usage;
}

/** Estimated cost of the calls; null when a model has no price. */
function costOf(calls: readonly CallRecord[], prices: PriceTable | undefined): number | null {
  let cost = 0;
  for (const call of calls) {
    const model = call.model.slice(call.model.indexOf(":") + 1);
    const c = estimateCostUsd(model, call.usage, prices);
    if (c === null) return null;
    cost += c;
  }
  return cost;
}

/** Longest iteration diff kept in the report. */
export const ITERATION_DIFF_MAX_CHARS = 100_000;

/** A graded revision's diff from the version it was made from; undefined for anything else. */
function diffFrom(steps: readonly Step[], step: Step, index: number): string | undefined {
  if (step.kind !== "graded" || step.from === null) return undefined;
  const from = steps[step.from];
  if (from?.kind !== "graded") return undefined;
  const patch = createTwoFilesPatch(
    `iteration ${step.from}`,
    `iteration ${index}`,
    from.content,
    step.content,
    "",
    "",
  );
  if (patch.length <= ITERATION_DIFF_MAX_CHARS) return patch;
  const cut = patch.lastIndexOf("\n", ITERATION_DIFF_MAX_CHARS) + 1;
  return `${patch.slice(0, cut)}... (diff cut at ${cut.toLocaleString("en-US")} of ${patch.length.toLocaleString("en-US")} characters)\n`;
}

function iterationOf(rubric: Rubric, step: Step, index: number, diff: string | undefined): IterationReport {
  const calls = callsOf(step);
  const common = {
    index,
    kind: step.kind === "graded" ? step.version : ("revision" as const),
    usage: usageOf(calls),
    latency_ms: calls.reduce((sum, c) => sum + c.latencyMs, 0),
    calls: calls.map((c) => ({
      role: c.role,
      model: c.model,
      usage: usageOf([c]),
      latency_ms: c.latencyMs,
      attempts: c.attempts,
      invalid_answer: c.invalidAnswer,
      ...(c.toolCalls && c.toolCalls.length > 0 ? { tool_calls: c.toolCalls } : {}),
    })),
  };
  const ungraded = {
    verdicts: {},
    applicable: null,
    summary: null,
    score: null,
    passed: false,
  };
  if (step.kind === "not_graded") {
    return {
      ...common,
      ...ungraded,
      status: step.status,
      error: step.reason,
      edits_applied: 0,
      revised_from: step.from,
      content_sha256: null,
      cached: false,
    };
  }
  const { grade } = step;
  const version = {
    edits_applied: step.edits,
    revised_from: step.from,
    content_sha256: sha256(step.content),
    ...(diff === undefined ? {} : { diff }),
    cached: grade.kind === "graded" && grade.cached === true,
  };
  if (grade.kind === "error" || step.scored === null) {
    return {
      ...common,
      ...version,
      ...ungraded,
      status: grade.kind === "error" && isInterruption(grade.modelError) ? "interrupted" : "grader_error",
      error: grade.kind === "error" ? grade.error : "the judge gave no grade",
    };
  }
  const advisory = new Set(rubric.criteria.filter((c) => c.advisory).map((c) => c.id));
  return {
    ...common,
    ...version,
    status: "graded",
    error: null,
    verdicts: Object.fromEntries(
      Object.entries(grade.verdicts).map(([id, v]) => [
        id,
        {
          verdict: v.verdict,
          evidence: v.evidence,
          explanation: v.explanation,
          evidence_verified: v.evidenceVerified,
          line: v.line,
          location: v.location,
          advisory: advisory.has(id),
          ...(v.unverified ? { unverified: true } : {}),
          ...(v.votes ? { votes: v.votes, uncertain: v.uncertain ?? false } : {}),
        },
      ]),
    ),
    applicable: grade.applicable,
    summary: grade.summary,
    score: step.scored.score,
    passed: step.scored.passed,
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
