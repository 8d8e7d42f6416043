import type { CallRecord, CriterionVerdict, Grade, Judge } from "../judge/judge.js";
import type { Artifact, ReferenceFile } from "../judge/prompt.js";
import { isInterruption, type ImageInput } from "../ports/models.js";
import type { FileResult, FileReport } from "../report/schema.js";
import type { RenderFormat } from "../render/types.js";
import type { Rubric } from "../rubric/types.js";
import { applyEdits } from "../writer/edits.js";
import { checkRevision, type Rejection } from "../writer/safety.js";
import type { Writer } from "../writer/writer.js";
import { scoreVerdicts } from "./score.js";

export interface LoopInput {
  path: string;
  /** Set when `original` is the rendering of a generated artifact (never revised). */
  format?: RenderFormat;
  /** Its pictures, sent to the judge as image inputs. */
  images?: ImageInput[];
  /** The rubric's reference files, given to the judge on every grade. */
  context?: ReferenceFile[];
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

export type StopReason = NonNullable<FileReport["stop_reason"]>;

/** How a graded version scored. */
export interface Scored {
  score: number;
  passed: boolean;
  /** Ids of the criteria that did not pass (advisory ones included). */
  failing: string[];
}

/**
 * One step of the loop, in its own terms: a version the judge graded (the original, or a revision
 * with the writer's call that made it), or a revision that never reached the judge and why.
 */
export type Step =
  | {
      kind: "graded";
      version: "original" | "revision";
      content: string;
      /** The step the revision was made from; null for the original. */
      from: number | null;
      edits: number;
      writerCall: CallRecord | null;
      grade: Grade;
      /** Null when the judge failed (`grade.kind === "error"`). */
      scored: Scored | null;
    }
  | {
      kind: "not_graded";
      status: "writer_error" | "revision_rejected" | "interrupted";
      reason: string;
      from: number;
      calls: CallRecord[];
    };

/** A version the judge graded, by its step index. */
interface Version {
  index: number;
  content: string;
  verdicts: Record<string, CriterionVerdict>;
  scored: Scored;
}

export interface LoopOutcome {
  result: FileResult;
  stop: StopReason;
  reason: string | null;
  steps: Step[];
  /** The best graded version (ties: the earlier one); null when not even the original was graded. */
  best: { index: number; score: number } | null;
  /** The best version's content (the original when nothing beat it). */
  bestContent: string;
  changed: boolean;
}

type Stop = { result: FileResult; stop: StopReason; reason: string | null };

/**
 * The outcome loop (SPEC §4): grade the original; while it needs revision and iterations remain, the
 * writer revises the best version so far and the judge re-grades the whole revision from scratch.
 * Stops at the first pass or when revising makes no progress; keeps the best version (ties: earlier).
 */
export async function runOutcomeLoop(input: LoopInput): Promise<LoopOutcome> {
  const steps: Step[] = [];
  const first = await gradeOriginal(input, steps);
  if (!("index" in first)) return outcome(input, steps, null, first);
  const state: RevisionState = { best: first, feedback: null, lastRejection: null };
  for (let index = 1; index <= input.maxIterations; index++) {
    const stop = await reviseOnce(input, steps, state, index);
    if (stop) return outcome(input, steps, state.best, stop);
  }
  const n = input.maxIterations;
  return outcome(input, steps, state.best, {
    result: "max_iterations_reached",
    stop: "max_iterations",
    reason: `${n} revision${n === 1 ? "" : "s"} did not satisfy every criterion`,
  });
}

/** Iteration 0: grades the file as it is. Returns the graded version, or why the loop stops there. */
async function gradeOriginal(input: LoopInput, steps: Step[]): Promise<Version | Stop> {
  const halt = stopped(input);
  if (halt) return interrupted(halt);
  const grade = await input.judge.grade(input.rubric, artifactOf(input, input.original), input.signal);
  const step = gradedStep(input.rubric, grade, { version: "original", content: input.original, from: null });
  steps.push(step);
  if (grade.kind === "error" || step.scored === null) return judgeFailed(grade, input.signal);
  const version: Version = {
    index: 0,
    content: input.original,
    verdicts: grade.verdicts,
    scored: step.scored,
  };
  if (!grade.applicable) {
    return {
      result: "failed",
      stop: "not_applicable",
      reason: grade.summary || "the rubric does not apply to this file",
    };
  }
  if (step.scored.passed) return { result: "satisfied", stop: "satisfied", reason: null };
  if (!input.writer) return { result: "needs_revision", stop: "revision_off", reason: input.reviseOffReason };
  if (input.maxIterations === 0)
    return { result: "needs_revision", stop: "revision_off", reason: "max_iterations is 0" };
  // Carries on to revision; `outcome` keeps this version as the best if the loop stops later.
  return version;
}

interface RevisionState {
  best: Version;
  /** What the writer is told about its previous answer (why it was rejected, what it broke). */
  feedback: string | null;
  lastRejection: Rejection | null;
}

/** One revision: the writer revises the best version, the judge grades the result. Null: go on. */
async function reviseOnce(
  input: LoopInput,
  steps: Step[],
  state: RevisionState,
  index: number,
): Promise<Stop | null> {
  const { rubric } = input;
  const writer = input.writer as Writer;
  const halt = stopped(input);
  if (halt) return interrupted(halt);
  const base = state.best;
  const failing = new Set(base.scored.failing);
  const revision = await writer.revise(
    {
      rubric,
      artifact: { path: input.path, content: base.content },
      failing: rubric.criteria
        .filter((c) => failing.has(c.id))
        .map((c) => ({ id: c.id, text: c.text, verdict: base.verdicts[c.id] ?? missingVerdict() })),
      passing: rubric.criteria.filter((c) => !failing.has(c.id)).map((c) => ({ id: c.id, text: c.text })),
      previousRejection: state.feedback,
    },
    input.signal,
  );
  if (revision.kind === "error") {
    steps.push({
      kind: "not_graded",
      status: "writer_error",
      reason: revision.error,
      from: base.index,
      calls: revision.calls,
    });
    if (isInterruption(revision.modelError)) return interrupted(revision.error);
    return { result: "grader_error", stop: "error", reason: revision.error };
  }

  const proposed = proposal(input.original, base.content, revision);
  if (proposed.kind === "rejected") {
    const rejection = proposed.rejection;
    steps.push({
      kind: "not_graded",
      status: "revision_rejected",
      reason: rejection.message,
      from: base.index,
      calls: [revision.call],
    });
    // A writer that makes the same mistake twice in a row will make it again: stop paying for it.
    if (state.lastRejection?.kind === rejection.kind) {
      return {
        result: "max_iterations_reached",
        stop: "no_progress",
        reason: `revisions ${index - 1} and ${index} were both discarded for the same reason: ${rejection.message}`,
      };
    }
    state.lastRejection = rejection;
    state.feedback = rejection.message;
    return null;
  }
  state.lastRejection = null;

  const halted = stopped(input);
  if (halted) {
    steps.push({
      kind: "not_graded",
      status: "interrupted",
      reason: halted,
      from: base.index,
      calls: [revision.call],
    });
    return interrupted(halted);
  }
  const { content } = proposed;
  const grade = await input.judge.grade(rubric, artifactOf(input, content), input.signal);
  const step = gradedStep(rubric, grade, {
    version: "revision",
    content,
    from: base.index,
    edits: proposed.applied,
    writerCall: revision.call,
  });
  steps.push(step);
  if (grade.kind === "error" || step.scored === null) return judgeFailed(grade, input.signal);
  const version: Version = { index, content, verdicts: grade.verdicts, scored: step.scored };
  if (version.scored.passed) {
    state.best = version;
    return { result: "satisfied", stop: "satisfied", reason: null };
  }
  if (version.scored.score > base.scored.score) state.best = version;
  if (sameSet(version.scored.failing, base.scored.failing)) {
    return {
      result: "max_iterations_reached",
      stop: "no_progress",
      reason: `revision ${index} fixed none of the failing criteria`,
    };
  }
  const broke = version.scored.failing.filter((id) => !failing.has(id));
  state.feedback = broke.length
    ? `your previous revision broke criteria that passed (${broke.join(", ")}); the version you revise now is the best so far`
    : null;
  return null;
}

/** The writer's answer applied to the base: the revised content, or why it is rejected. */
function proposal(
  original: string,
  base: string,
  revision: Exclude<Awaited<ReturnType<Writer["revise"]>>, { kind: "error" }>,
): { kind: "revised"; content: string; applied: number } | { kind: "rejected"; rejection: Rejection } {
  if (revision.kind === "invalid") {
    return { kind: "rejected", rejection: { kind: "invalid_answer", message: revision.error } };
  }
  const result = applyEdits(base, revision.edits);
  if (!result.ok) {
    return {
      kind: "rejected",
      rejection: { kind: "edits_do_not_apply", message: `its edits do not apply: ${result.error}` },
    };
  }
  if (result.content === base) {
    return { kind: "rejected", rejection: { kind: "no_change", message: "its edits change nothing" } };
  }
  const unsafe = checkRevision(original, result.content);
  if (unsafe) return { kind: "rejected", rejection: unsafe };
  return { kind: "revised", content: result.content, applied: result.applied };
}

function gradedStep(
  rubric: Rubric,
  grade: Grade,
  version: {
    version: "original" | "revision";
    content: string;
    from: number | null;
    edits?: number;
    writerCall?: CallRecord;
  },
): Extract<Step, { kind: "graded" }> {
  return {
    kind: "graded",
    version: version.version,
    content: version.content,
    from: version.from,
    edits: version.edits ?? 0,
    writerCall: version.writerCall ?? null,
    grade,
    scored: grade.kind === "graded" ? scoreVerdicts(rubric, grade.verdicts, grade.applicable) : null,
  };
}

function outcome(input: LoopInput, steps: Step[], best: Version | null, stop: Stop): LoopOutcome {
  // When the loop stops at the original, the original is the best version if it was graded.
  const kept = best ?? originalVersion(steps, input.original);
  return {
    ...stop,
    steps,
    best: kept === null ? null : { index: kept.index, score: kept.scored.score },
    bestContent: kept?.content ?? input.original,
    changed: kept !== null && kept.content !== input.original,
  };
}

function originalVersion(steps: Step[], original: string): Version | null {
  const first = steps[0];
  if (first?.kind !== "graded" || first.grade.kind !== "graded" || first.scored === null) return null;
  return { index: 0, content: original, verdicts: first.grade.verdicts, scored: first.scored };
}

function stopped(input: LoopInput): string | null {
  return input.signal?.aborted ? "the run was cancelled" : (input.budgetExceeded?.() ?? null);
}

function interrupted(reason: string): Stop {
  return { result: "interrupted", stop: "budget", reason };
}

function judgeFailed(grade: Grade, signal: AbortSignal | undefined): Stop {
  const error = grade.kind === "error" ? grade.error : "the judge gave no grade";
  const modelError = grade.kind === "error" ? grade.modelError : undefined;
  if (isInterruption(modelError) || signal?.aborted) return interrupted(error);
  return { result: "grader_error", stop: "error", reason: error };
}

function missingVerdict(): CriterionVerdict {
  return {
    verdict: "fail",
    evidence: "",
    explanation: "no verdict",
    evidenceVerified: false,
    line: null,
    location: null,
  };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

function artifactOf(input: LoopInput, content: string): Artifact {
  return {
    path: input.path,
    content,
    ...(input.format ? { format: input.format } : {}),
    ...(input.images && input.images.length > 0 ? { images: input.images } : {}),
    ...(input.context && input.context.length > 0 ? { context: input.context } : {}),
  };
}
