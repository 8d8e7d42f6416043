import { createHash } from "node:crypto";
import type { CallRecord, Grade, Judge } from "../judge/judge.js";
import { isInterruption, type Usage } from "../ports/models.js";
import type { FileResult, FileReport, IterationReport, UsageReport } from "../report/schema.js";
import type { Rubric } from "../rubric/types.js";
import { applyEdits } from "../writer/edits.js";
import { checkRevision, type Rejection } from "../writer/safety.js";
import type { Writer } from "../writer/writer.js";
import { scoreVerdicts } from "./score.js";

export interface LoopInput {
  path: string;
  rubric: Rubric;
  original: string;
  judge: Judge;
  /** The writer, or null when revision is off; then `reviseOffReason` says why. */
  writer: Writer | null;
  reviseOffReason: string;
  maxIterations: number;
  signal?: AbortSignal;
  /** Asked before every model call: a reason to stop (time or cost budget), or null to go on. */
  budgetExceeded?: () => string | null;
}

type LoopReport = Pick<
  FileReport,
  "result" | "reason" | "stop_reason" | "iterations" | "best_iteration" | "best_score" | "changed"
>;

export interface LoopOutcome extends LoopReport {
  /** The best version's content (the original when nothing beat it). */
  bestContent: string;
}

interface Version {
  index: number;
  content: string;
  failing: string[];
  score: number;
}

/**
 * The outcome loop (SPEC §4): grade the original; while it needs revision and iterations remain, the
 * writer revises the best version so far and the judge re-grades the whole revision from scratch.
 * Stops at the first pass or when a revision fixes nothing; keeps the best version (ties: earlier).
 */
export async function runOutcomeLoop(input: LoopInput): Promise<LoopOutcome> {
  const { rubric, judge } = input;
  const iterations: IterationReport[] = [];
  let best: Version | null = null;

  const finish = (
    result: FileResult,
    stop: FileReport["stop_reason"],
    reason: string | null,
  ): LoopOutcome => ({
    result,
    reason,
    stop_reason: stop,
    iterations,
    best_iteration: best?.index ?? null,
    best_score: best?.score ?? null,
    changed: best !== null && best.content !== input.original,
    bestContent: best?.content ?? input.original,
  });

  const stopped = (): string | null =>
    input.signal?.aborted ? "the run was cancelled" : (input.budgetExceeded?.() ?? null);

  // Iteration 0: the file as it is.
  const halt = stopped();
  if (halt) return finish("interrupted", "budget", halt);
  const grade0 = await judge.grade(rubric, { path: input.path, content: input.original }, input.signal);
  const first = recordGrade(iterations, rubric, grade0, {
    kind: "original",
    content: input.original,
    from: null,
  });
  if (grade0.kind === "error") return errorOutcome(finish, grade0, input.signal);
  best = { index: 0, content: input.original, failing: first.failing, score: first.score };
  if (!grade0.applicable)
    return finish("failed", "not_applicable", grade0.summary || "the rubric does not apply to this file");
  if (first.passed) return finish("satisfied", "satisfied", null);
  if (!input.writer) return finish("needs_revision", "revision_off", input.reviseOffReason);
  if (input.maxIterations === 0) return finish("needs_revision", "revision_off", "max_iterations is 0");

  let feedback: string | null = null;
  let lastRejection: Rejection | null = null;
  for (let index = 1; index <= input.maxIterations; index++) {
    const halt = stopped();
    if (halt) return finish("interrupted", "budget", halt);
    const base: Version = best;
    const baseIteration = iterations[base.index] as IterationReport;
    const revision = await input.writer.revise(
      {
        rubric,
        artifact: { path: input.path, content: base.content },
        failing: rubric.criteria
          .filter((c) => base.failing.includes(c.id))
          .map((c) => ({ id: c.id, text: c.text, verdict: verdictOf(baseIteration, c.id) })),
        passing: rubric.criteria
          .filter((c) => !base.failing.includes(c.id))
          .map((c) => ({ id: c.id, text: c.text })),
        previousRejection: feedback,
      },
      input.signal,
    );

    if (revision.kind === "error") {
      iterations.push(emptyIteration(index, "writer_error", revision.error, base.index, revision.calls));
      if (isInterruption(revision.modelError)) return finish("interrupted", "budget", revision.error);
      return finish("grader_error", "error", revision.error);
    }
    let rejection: Rejection | null =
      revision.kind === "invalid" ? { kind: "invalid_answer", message: revision.error } : null;
    let content = base.content;
    let applied = 0;
    if (revision.kind === "edits") {
      const result = applyEdits(base.content, revision.edits);
      if (!result.ok) {
        rejection = { kind: "edits_do_not_apply", message: `its edits do not apply: ${result.error}` };
      } else {
        content = result.content;
        applied = result.applied;
        rejection =
          content === base.content
            ? { kind: "no_change", message: "its edits change nothing" }
            : checkRevision(input.original, content);
      }
    }
    if (rejection !== null) {
      iterations.push(
        emptyIteration(index, "revision_rejected", rejection.message, base.index, [revision.call]),
      );
      // A writer that makes the same mistake twice in a row will make it again: stop paying for it.
      if (lastRejection?.kind === rejection.kind) {
        return finish(
          "max_iterations_reached",
          "no_progress",
          `revisions ${index - 1} and ${index} were both discarded for the same reason: ${rejection.message}`,
        );
      }
      lastRejection = rejection;
      feedback = rejection.message;
      continue;
    }
    lastRejection = null;

    const halted = stopped();
    if (halted) {
      iterations.push(emptyIteration(index, "interrupted", halted, base.index, [revision.call]));
      return finish("interrupted", "budget", halted);
    }
    const grade = await judge.grade(rubric, { path: input.path, content }, input.signal);
    const scored = recordGrade(iterations, rubric, grade, {
      kind: "revision",
      content,
      from: base.index,
      edits: applied,
      extraCalls: [revision.call],
    });
    if (grade.kind === "error") return errorOutcome(finish, grade, input.signal);
    if (scored.passed) {
      best = { index, content, failing: scored.failing, score: scored.score };
      return finish("satisfied", "satisfied", null);
    }
    if (scored.score > base.score) best = { index, content, failing: scored.failing, score: scored.score };
    if (sameSet(scored.failing, base.failing)) {
      return finish(
        "max_iterations_reached",
        "no_progress",
        `revision ${index} fixed none of the failing criteria`,
      );
    }
    const broke = scored.failing.filter((id) => !base.failing.includes(id));
    feedback = broke.length
      ? `your previous revision broke criteria that passed (${broke.join(", ")}); the version you revise now is the best so far`
      : null;
  }
  return finish(
    "max_iterations_reached",
    "max_iterations",
    `${input.maxIterations} revision${input.maxIterations === 1 ? "" : "s"} did not satisfy every criterion`,
  );
}

function errorOutcome(
  finish: (result: FileResult, stop: FileReport["stop_reason"], reason: string | null) => LoopOutcome,
  grade: Extract<Grade, { kind: "error" }>,
  signal: AbortSignal | undefined,
): LoopOutcome {
  if (isInterruption(grade.modelError) || signal?.aborted)
    return finish("interrupted", "budget", grade.error);
  return finish("grader_error", "error", grade.error);
}

function verdictOf(iteration: IterationReport, id: string) {
  const v = iteration.verdicts[id];
  return {
    verdict: v?.verdict ?? "fail",
    evidence: v?.evidence ?? "",
    explanation: v?.explanation ?? "no verdict",
    evidenceVerified: v?.evidence_verified ?? false,
    line: v?.line ?? null,
    ...(v?.unverified ? { unverified: true } : {}),
  };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function sumUsage(calls: CallRecord[]): UsageReport {
  const total: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  for (const call of calls) {
    total.inputTokens += call.usage.inputTokens;
    total.outputTokens += call.usage.outputTokens;
    total.cachedInputTokens += call.usage.cachedInputTokens;
  }
  return {
    input_tokens: total.inputTokens,
    output_tokens: total.outputTokens,
    cached_input_tokens: total.cachedInputTokens,
  };
}

function callReports(calls: CallRecord[]): IterationReport["calls"] {
  return calls.map((c) => ({
    role: c.role,
    model: c.model,
    usage: sumUsage([c]),
    latency_ms: c.latencyMs,
    attempts: c.attempts,
    invalid_answer: c.invalidAnswer,
  }));
}

function emptyIteration(
  index: number,
  status: IterationReport["status"],
  error: string,
  from: number,
  calls: CallRecord[],
): IterationReport {
  return {
    index,
    kind: "revision",
    status,
    error,
    verdicts: {},
    applicable: null,
    summary: null,
    score: null,
    passed: false,
    edits_applied: 0,
    revised_from: from,
    content_sha256: null,
    cached: false,
    usage: sumUsage(calls),
    latency_ms: calls.reduce((sum, c) => sum + c.latencyMs, 0),
    calls: callReports(calls),
  };
}

function recordGrade(
  iterations: IterationReport[],
  rubric: Rubric,
  grade: Grade,
  version: {
    kind: "original" | "revision";
    content: string;
    from: number | null;
    edits?: number;
    extraCalls?: CallRecord[];
  },
): { score: number; passed: boolean; failing: string[] } {
  const calls = [...(version.extraCalls ?? []), ...grade.calls];
  const base = {
    index: iterations.length,
    kind: version.kind,
    edits_applied: version.edits ?? 0,
    revised_from: version.from,
    content_sha256: sha256(version.content),
    cached: grade.kind === "graded" && grade.cached === true,
    usage: sumUsage(calls),
    latency_ms: calls.reduce((sum, c) => sum + c.latencyMs, 0),
    calls: callReports(calls),
  };
  if (grade.kind === "error") {
    iterations.push({
      ...base,
      status: isInterruption(grade.modelError) ? "interrupted" : "grader_error",
      error: grade.error,
      verdicts: {},
      applicable: null,
      summary: null,
      score: null,
      passed: false,
    });
    return { score: 0, passed: false, failing: rubric.criteria.map((c) => c.id) };
  }
  const scored = scoreVerdicts(rubric, grade.verdicts, grade.applicable);
  const advisory = new Set(rubric.criteria.filter((c) => c.advisory).map((c) => c.id));
  iterations.push({
    ...base,
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
          advisory: advisory.has(id),
          ...(v.unverified ? { unverified: true } : {}),
          ...(v.votes ? { votes: v.votes, uncertain: v.uncertain ?? false } : {}),
        },
      ]),
    ),
    applicable: grade.applicable,
    summary: grade.summary,
    score: scored.score,
    passed: scored.passed,
  });
  return scored;
}
