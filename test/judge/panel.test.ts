import { describe, expect, it } from "vitest";
import type { CallRecord, Grade, Judge } from "../../src/judge/judge.js";
import { createPanelJudge, majorityVerdict } from "../../src/judge/panel.js";
import { ModelError } from "../../src/ports/models.js";
import { parseRubric } from "../../src/rubric/parse.js";
import type { Rubric } from "../../src/rubric/types.js";

const parsed = parseRubric(
  "rubrics/r.md",
  "---\nfiles: ['*.md']\ndescription: A page.\n---\n- Has a title. {#title}\n- Has an example. {#example}\n",
);
if (!parsed.ok) throw new Error("fixture rubric does not parse");
const RUBRIC: Rubric = parsed.rubric;
const ARTIFACT = { path: "a.md", content: "# A\n" };

const call = (model: string): CallRecord => ({
  role: "judge",
  model,
  usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
  latencyMs: 1,
  attempts: 1,
  invalidAnswer: null,
});

function graded(title: "pass" | "fail", example: "pass" | "fail", applicable = true): Judge {
  const v = (verdict: "pass" | "fail") => ({
    verdict,
    evidence: verdict === "pass" ? "# A" : "",
    explanation: `${verdict} by this member`,
    evidenceVerified: verdict === "pass",
    line: verdict === "pass" ? 1 : null,
    location: verdict === "pass" ? "line 1" : null,
  });
  return {
    grade: () =>
      Promise.resolve<Grade>({
        kind: "graded",
        verdicts: { title: v(title), example: v(example) },
        applicable,
        summary: applicable ? "ok" : "not a page",
        calls: [call("m")],
      }),
  };
}

describe("majorityVerdict", () => {
  it.each([
    [{ pass: 3, fail: 0 }, "pass", false],
    [{ pass: 2, fail: 1 }, "pass", false],
    [{ pass: 1, fail: 1 }, "fail", true],
    [{ pass: 1, fail: 2 }, "fail", true],
    [{ pass: 2, fail: 2 }, "fail", true],
    [{ pass: 0, fail: 3 }, "fail", false],
  ] as const)("%o → %s (uncertain %s)", (votes, verdict, uncertain) => {
    expect(majorityVerdict(votes)).toEqual({ verdict, uncertain });
  });
});

describe("createPanelJudge", () => {
  it("returns a lone member as it is, so single-judge verdicts carry no votes", () => {
    const only = graded("pass", "pass");
    expect(createPanelJudge([only])).toBe(only);
  });

  it("takes evidence and explanation from a member that voted with the majority", async () => {
    const grade = await createPanelJudge([
      graded("fail", "pass"),
      graded("pass", "pass"),
      graded("pass", "fail"),
    ]).grade(RUBRIC, ARTIFACT);
    if (grade.kind !== "graded") throw new Error("expected a grade");
    expect(grade.verdicts.title).toMatchObject({
      verdict: "pass",
      evidence: "# A",
      explanation: "pass by this member",
      votes: { pass: 2, fail: 1 },
      uncertain: false,
    });
    expect(grade.calls).toHaveLength(3);
  });

  it("is not applicable only on a strict majority", async () => {
    const tie = await createPanelJudge([graded("pass", "pass"), graded("pass", "pass", false)]).grade(
      RUBRIC,
      ARTIFACT,
    );
    expect(tie).toMatchObject({ kind: "graded", applicable: true, summary: "ok" });
    const most = await createPanelJudge([
      graded("pass", "pass", false),
      graded("pass", "pass"),
      graded("pass", "pass", false),
    ]).grade(RUBRIC, ARTIFACT);
    expect(most).toMatchObject({ kind: "graded", applicable: false, summary: "not a page" });
  });

  it("fails closed on a member's error and cancels the members still in flight", async () => {
    let cancelled = false;
    const slow: Judge = {
      grade: (_rubric, _artifact, signal) =>
        new Promise<Grade>((resolve) => {
          signal?.addEventListener("abort", () => {
            cancelled = true;
            resolve({
              kind: "error",
              error: "aborted",
              modelError: new ModelError("aborted", "aborted"),
              calls: [],
            });
          });
        }),
    };
    const broken: Judge = {
      grade: () =>
        Promise.resolve<Grade>({
          kind: "error",
          error: "judge openai:x: endpoint down",
          modelError: new ModelError("connection", "endpoint down"),
          calls: [call("openai:x")],
        }),
    };
    const grade = await createPanelJudge([slow, graded("pass", "pass"), broken]).grade(RUBRIC, ARTIFACT);
    expect(cancelled).toBe(true);
    expect(grade).toMatchObject({
      kind: "error",
      error: "panel member 3 of 3: judge openai:x: endpoint down",
    });
    if (grade.kind === "error") expect(grade.modelError?.kind).toBe("connection");
    expect(grade.calls).toHaveLength(2);
  });
});
