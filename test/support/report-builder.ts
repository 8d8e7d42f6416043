/** Builds valid `Report` values for tests (every result goes through `ReportSchema.parse`). */
import { decideGate } from "../../src/report/gate.js";
import {
  REPORT_VERSION,
  ReportSchema,
  type FileReport,
  type FileResult,
  type IterationReport,
  type Report,
  type VerdictReport,
} from "../../src/report/schema.js";

/** A criterion's verdict: `"pass"`, `"fail"`, or the fields to set. */
export type VerdictSeed = "pass" | "fail" | (Partial<VerdictReport> & { verdict: "pass" | "fail" });

export function verdict(seed: VerdictSeed): VerdictReport {
  const base = typeof seed === "string" ? { verdict: seed } : seed;
  const failing = base.verdict === "fail";
  return {
    evidence: failing ? "" : "A quote from the file.",
    explanation: failing ? "The document does not say what it is for." : "Stated in the first paragraph.",
    evidence_verified: !failing,
    line: failing ? null : 1,
    advisory: false,
    ...base,
    location:
      base.location !== undefined
        ? base.location
        : locationOf(base.line === undefined ? (failing ? null : 1) : base.line),
  };
}

export interface IterationSeed extends Partial<Omit<IterationReport, "verdicts">> {
  verdicts?: Record<string, VerdictSeed>;
}

export function iteration(seed: IterationSeed = {}): IterationReport {
  const { verdicts: seeds = {}, ...rest } = seed;
  const verdicts = Object.fromEntries(Object.entries(seeds).map(([id, v]) => [id, verdict(v)]));
  const ids = Object.keys(verdicts);
  const status = seed.status ?? "graded";
  const graded = status === "graded";
  const passedCount = Object.values(verdicts).filter((v) => v.verdict === "pass").length;
  const blockingFailures = Object.values(verdicts).filter((v) => v.verdict === "fail" && !v.advisory).length;
  const index = seed.index ?? 0;
  return {
    index,
    kind: index === 0 ? "original" : "revision",
    status,
    error: null,
    verdicts: graded ? verdicts : {},
    applicable: graded ? true : null,
    summary: graded ? "Graded." : null,
    score: graded ? (ids.length === 0 ? 1 : passedCount / ids.length) : null,
    passed: graded && blockingFailures === 0,
    edits_applied: index === 0 ? 0 : 1,
    revised_from: index === 0 ? null : index - 1,
    content_sha256: graded ? "a".repeat(64) : null,
    usage: { input_tokens: 1200, output_tokens: 300, cached_input_tokens: 0 },
    latency_ms: 850,
    calls: [],
    ...rest,
  };
}

export interface FileSeed extends Partial<Omit<FileReport, "iterations">> {
  path: string;
  /** Verdicts of a single original iteration (shorthand for `iterations`). */
  verdicts?: Record<string, VerdictSeed>;
  iterations?: IterationSeed[];
}

/** A file report; result, best iteration and score follow from the iterations unless given. */
export function file(seed: FileSeed): FileReport {
  const { verdicts, iterations: iterationSeeds, ...rest } = seed;
  const iterations = (iterationSeeds ?? (verdicts ? [{ verdicts }] : [])).map((it, index) =>
    iteration({ index, ...it }),
  );
  const graded = iterations.filter((it) => it.status === "graded");
  const best = graded.reduce<IterationReport | undefined>(
    (top, it) => (top === undefined || (it.score ?? 0) > (top.score ?? 0) ? it : top),
    undefined,
  );
  const result: FileResult =
    seed.result ?? (graded.length === 0 ? "grader_error" : best?.passed ? "satisfied" : "needs_revision");
  return {
    rubric: "rubrics/docs.md",
    result,
    reason: null,
    stop_reason: result === "satisfied" ? "satisfied" : result === "needs_revision" ? "revision_off" : null,
    iterations,
    best_iteration: best?.index ?? null,
    best_score: best?.score ?? null,
    changed: best !== undefined && best.index !== 0,
    diff: null,
    written: false,
    usage: {
      input_tokens: 1200 * iterations.length,
      output_tokens: 300 * iterations.length,
      cached_input_tokens: 0,
    },
    cost_usd: 0.001 * iterations.length,
    ...rest,
  };
}

/** A report over the files; gate, counts and totals follow from them unless given. */
export function report(files: FileReport[], seed: Partial<Report> = {}): Report {
  const configErrors = seed.config_errors ?? [];
  const calls = files.reduce((sum, f) => sum + f.iterations.length, 0);
  return ReportSchema.parse({
    version: REPORT_VERSION,
    tool: { name: "rubric-gate", version: "0.1.0" },
    started_at: "2025-01-01T00:00:00.000Z",
    judge: "openai:gpt-4.1-mini",
    writer: null,
    gate: decideGate(files, configErrors.length),
    config_errors: configErrors,
    totals: {
      files: files.length,
      calls,
      judge_calls: calls,
      writer_calls: 0,
      input_tokens: files.reduce((sum, f) => sum + f.usage.input_tokens, 0),
      output_tokens: files.reduce((sum, f) => sum + f.usage.output_tokens, 0),
      cached_input_tokens: 0,
      cost_usd: files.reduce((sum, f) => sum + (f.cost_usd ?? 0), 0),
      wall_ms: 65_000,
    },
    files,
    ...seed,
  });
}

function locationOf(line: number | null): string | null {
  return line === null ? null : `line ${line}`;
}
