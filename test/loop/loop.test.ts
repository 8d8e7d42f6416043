// The outcome loop in its own terms, with a scripted judge and writer (no server, no SDK): every stop
// reason, the best version kept, what the writer is told, and the report it maps to.
import { describe, expect, it } from "vitest";
import type { CallRecord, CriterionVerdict, Grade, Judge } from "../../src/judge/judge.js";
import { runOutcomeLoop, type LoopInput, type LoopOutcome } from "../../src/loop/loop.js";
import { loopReport } from "../../src/loop/report.js";
import { ModelError } from "../../src/ports/models.js";
import { FileReportSchema } from "../../src/report/schema.js";
import { parseRubric } from "../../src/rubric/parse.js";
import type { Rubric } from "../../src/rubric/types.js";
import type { Revision, RevisionRequest, Writer } from "../../src/writer/writer.js";

function rubric(body: string): Rubric {
  const parsed = parseRubric("rubrics/r.md", `---\nfiles: ["**/*.md"]\ndescription: A page.\n---\n${body}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.rubric;
}

const R = rubric("- Has an Install section. {#install}\n- Has a Usage section. {#usage}\n");
const ORIGINAL = "# Tool\n\nSome words about the tool, long enough to revise safely.\n";

function call(role: "judge" | "writer", input = 100): CallRecord {
  return {
    role,
    model: `openai:gpt-4.1`,
    usage: { inputTokens: input, outputTokens: 10, cachedInputTokens: 0 },
    latencyMs: 5,
    attempts: 1,
    invalidAnswer: null,
  };
}

/** A judge whose verdicts are "the artifact contains the section's heading"; it records what it saw. */
function sectionJudge(seen: string[] = []): Judge {
  return {
    grade(rubric, artifact): Promise<Grade> {
      seen.push(artifact.content);
      const verdicts: Record<string, CriterionVerdict> = {};
      for (const c of rubric.criteria) {
        const heading = c.id === "install" ? "## Install" : "## Usage";
        const pass = artifact.content.includes(heading);
        verdicts[c.id] = {
          verdict: pass ? "pass" : "fail",
          evidence: pass ? heading : "",
          explanation: pass ? "present" : `no ${heading} heading`,
          evidenceVerified: pass,
          line: null,
          location: null,
        };
      }
      return Promise.resolve({
        kind: "graded",
        verdicts,
        applicable: true,
        summary: "ok",
        calls: [call("judge")],
      });
    },
  };
}

function failingJudge(error: ModelError): Judge {
  return {
    grade: () =>
      Promise.resolve({ kind: "error", error: error.message, modelError: error, calls: [call("judge")] }),
  };
}

/** A writer that answers from a script, one answer per call; it records the requests. */
function scriptedWriter(
  answers: Array<(request: RevisionRequest) => Revision>,
  requests: RevisionRequest[] = [],
): Writer {
  return {
    revise(request) {
      requests.push(request);
      const next = answers.shift();
      if (!next) throw new Error("the writer was called more often than scripted");
      return Promise.resolve(next(request));
    },
  };
}

const append =
  (text: string) =>
  (request: RevisionRequest): Revision => {
    const last = request.artifact.content.trimEnd().split("\n").pop()!;
    return { kind: "edits", edits: [{ find: last, replace: `${last}\n\n${text}` }], call: call("writer") };
  };
const invalid = (): Revision => ({ kind: "invalid", error: "not JSON", call: call("writer") });

function loop(overrides: Partial<LoopInput>): Promise<LoopOutcome> {
  return runOutcomeLoop({
    path: "docs/tool.md",
    rubric: R,
    original: ORIGINAL,
    judge: sectionJudge(),
    writer: null,
    reviseOffReason: "revision is off",
    maxIterations: 3,
    ...overrides,
  });
}

function asReport(outcome: LoopOutcome) {
  const report = {
    path: "docs/tool.md",
    rubric: R.path,
    diff: null,
    written: false,
    ...loopReport(R, outcome),
  };
  return FileReportSchema.parse(report);
}

describe("the outcome loop stops for every reason, and says which", () => {
  it("satisfied at once: one judge call, no writer call", async () => {
    const requests: RevisionRequest[] = [];
    const outcome = await loop({
      original: "# Tool\n\n## Install\n\n## Usage\n",
      writer: scriptedWriter([], requests),
    });
    expect(outcome).toMatchObject({
      result: "satisfied",
      stop: "satisfied",
      changed: false,
      best: { index: 0, score: 1 },
    });
    expect(requests).toEqual([]);
    expect(asReport(outcome).iterations).toHaveLength(1);
  });

  it("revision off: needs_revision with the reason; max_iterations 0 likewise", async () => {
    expect(await loop({})).toMatchObject({
      result: "needs_revision",
      stop: "revision_off",
      reason: "revision is off",
    });
    expect(await loop({ writer: scriptedWriter([]), maxIterations: 0 })).toMatchObject({
      stop: "revision_off",
      reason: "max_iterations is 0",
    });
  });

  it("not applicable: failed, with the judge's summary", async () => {
    const judge: Judge = {
      grade: () =>
        Promise.resolve({
          kind: "graded",
          verdicts: {},
          applicable: false,
          summary: "not a guide",
          calls: [call("judge")],
        }),
    };
    expect(await loop({ judge })).toMatchObject({
      result: "failed",
      stop: "not_applicable",
      reason: "not a guide",
    });
  });

  it("satisfied after revisions: the writer is told the failing criteria with the judge's words", async () => {
    const requests: RevisionRequest[] = [];
    const outcome = await loop({
      writer: scriptedWriter([append("## Install\n\nnpm i tool"), append("## Usage\n\ntool run")], requests),
    });
    expect(outcome).toMatchObject({
      result: "satisfied",
      stop: "satisfied",
      changed: true,
      best: { index: 2, score: 1 },
    });
    expect(outcome.bestContent).toContain("## Usage");
    expect(requests[0]!.failing.map((f) => [f.id, f.verdict.explanation])).toEqual([
      ["install", "no ## Install heading"],
      ["usage", "no ## Usage heading"],
    ]);
    expect(requests[1]!.failing.map((f) => f.id)).toEqual(["usage"]);
    expect(requests[1]!.passing.map((p) => p.id)).toEqual(["install"]);
    const report = asReport(outcome);
    expect(report.iterations.map((i) => [i.kind, i.status, i.revised_from, i.passed])).toEqual([
      ["original", "graded", null, false],
      ["revision", "graded", 0, false],
      ["revision", "graded", 1, true],
    ]);
    // Usage is the sum of every call (3 judge + 2 writer), counted once.
    expect(report.usage).toEqual({ input_tokens: 500, output_tokens: 50, cached_input_tokens: 0 });
    expect(report.iterations[1]!.calls.map((c) => c.role)).toEqual(["writer", "judge"]);
  });

  it("max iterations: the best version is kept, not the last", async () => {
    const outcome = await loop({
      maxIterations: 2,
      writer: scriptedWriter([append("## Install\n\nnpm i tool"), breakInstall]),
    });
    expect(outcome).toMatchObject({
      result: "max_iterations_reached",
      stop: "max_iterations",
      best: { index: 1 },
    });
    expect(outcome.bestContent).toContain("## Install");
    expect(outcome.reason).toBe("2 revisions did not satisfy every criterion");
  });

  it("no progress: a revision that fixes none of the failing criteria", async () => {
    const outcome = await loop({ writer: scriptedWriter([append("More words, no section.")]) });
    expect(outcome).toMatchObject({
      result: "max_iterations_reached",
      stop: "no_progress",
      reason: "revision 1 fixed none of the failing criteria",
      best: { index: 0 },
      changed: false,
    });
  });

  it("no progress: two revisions discarded for the same reason; the second is told why the first was", async () => {
    const requests: RevisionRequest[] = [];
    const outcome = await loop({ writer: scriptedWriter([invalid, invalid], requests) });
    expect(outcome).toMatchObject({ stop: "no_progress" });
    expect(outcome.reason).toContain("revisions 1 and 2 were both discarded for the same reason: not JSON");
    expect(requests[1]!.previousRejection).toBe("not JSON");
    expect(asReport(outcome).iterations.map((i) => i.status)).toEqual([
      "graded",
      "revision_rejected",
      "revision_rejected",
    ]);
  });

  it("an unsafe revision (a token-shaped string) is discarded before the judge sees it", async () => {
    const seen: string[] = [];
    const token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    const outcome = await loop({
      judge: sectionJudge(seen),
      writer: scriptedWriter([append(`## Install\n\n${token}`), append(`## Install\n\n${token}`)]),
    });
    expect(outcome.stop).toBe("no_progress");
    expect(seen).toEqual([ORIGINAL]);
  });

  it("error: the judge fails on the original → grader_error; an interrupted judge → interrupted", async () => {
    expect(await loop({ judge: failingJudge(new ModelError("server", "judge: HTTP 500")) })).toMatchObject({
      result: "grader_error",
      stop: "error",
      best: null,
    });
    const deadline = await loop({ judge: failingJudge(new ModelError("deadline", "judge: out of time")) });
    expect(deadline).toMatchObject({ result: "interrupted", stop: "budget" });
    expect(asReport(deadline).iterations[0]!.status).toBe("interrupted");
  });

  it("error: the writer fails → grader_error, and the original stays the best", async () => {
    const outcome = await loop({
      writer: scriptedWriter([
        () => ({
          kind: "error",
          error: "writer: HTTP 401",
          modelError: new ModelError("auth", "401"),
          calls: [call("writer")],
        }),
      ]),
    });
    expect(outcome).toMatchObject({
      result: "grader_error",
      stop: "error",
      best: { index: 0 },
      changed: false,
    });
    expect(asReport(outcome).iterations[1]!.status).toBe("writer_error");
  });

  it("budget: before the first grade, before the writer, and before re-grading a revision", async () => {
    const before = await loop({ budgetExceeded: () => "out of time" });
    expect(before).toMatchObject({ result: "interrupted", stop: "budget", reason: "out of time", steps: [] });

    let asks = 0;
    const afterOne = await loop({
      writer: scriptedWriter([append("## Install")]),
      budgetExceeded: () => (++asks > 1 ? "cost cap reached" : null),
    });
    expect(afterOne).toMatchObject({ result: "interrupted", reason: "cost cap reached", best: { index: 0 } });
    expect(afterOne.steps).toHaveLength(1);

    asks = 0;
    const beforeRegrade = await loop({
      writer: scriptedWriter([append("## Install")]),
      budgetExceeded: () => (++asks > 2 ? "cost cap reached" : null),
    });
    expect(beforeRegrade).toMatchObject({ result: "interrupted", stop: "budget" });
    expect(asReport(beforeRegrade).iterations.map((i) => i.status)).toEqual(["graded", "interrupted"]);
  });

  it("a cancelled run stops before any call", async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await loop({ signal: controller.signal })).toMatchObject({
      result: "interrupted",
      reason: "the run was cancelled",
    });
  });
});

/** A revision that adds Usage but removes Install: it breaks a passing criterion. */
function breakInstall(): Revision {
  return { kind: "edits", edits: [{ find: "## Install", replace: "## Usage" }], call: call("writer") };
}
