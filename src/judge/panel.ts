import type { Rubric } from "../rubric/types.js";
import type { CriterionVerdict, Grade, Judge } from "./judge.js";
import type { Artifact } from "./prompt.js";

/** A criterion's tally across a panel. */
export interface Votes {
  pass: number;
  fail: number;
}

/**
 * The panel's verdict on one criterion: `pass` only with a strict majority of `pass` votes. A tie, or a
 * split with fewer passes, is `fail` and `uncertain` — an uncertain criterion never counts as a pass.
 * A unanimous `fail` is not uncertain.
 */
export function majorityVerdict(votes: Votes): { verdict: "pass" | "fail"; uncertain: boolean } {
  const pass = votes.pass * 2 > votes.pass + votes.fail;
  return { verdict: pass ? "pass" : "fail", uncertain: !pass && votes.pass > 0 };
}

/**
 * Several single-call judges that vote (`--judge-samples`, or `--judge` given more than once). Every
 * member grades the same artifact from scratch; each criterion gets the majority verdict (see
 * `majorityVerdict`) with its votes. `applicable` is false only when a strict majority says so: on a
 * tie the criteria decide, and they cannot pass without their own majority. Any member's error makes
 * the panel's grade an error (fail closed), and the members still in flight are cancelled. One member
 * is returned as it is, so a single judge's report carries no votes.
 */
export function createPanelJudge(members: readonly Judge[]): Judge {
  const [only] = members;
  if (only === undefined) throw new Error("a judge panel needs at least one member");
  if (members.length === 1) return only;
  return {
    async grade(rubric, artifact, signal) {
      const grades = await gradeAll(members, rubric, artifact, signal);
      return mergeGrades(rubric, grades);
    },
  };
}

async function gradeAll(
  members: readonly Judge[],
  rubric: Rubric,
  artifact: Artifact,
  signal: AbortSignal | undefined,
): Promise<{ grades: Grade[]; firstError: number | null }> {
  const controller = new AbortController();
  const forward = (): void => {
    controller.abort(signal?.reason);
  };
  if (signal?.aborted) forward();
  else signal?.addEventListener("abort", forward, { once: true });
  let firstError: number | null = null;
  try {
    const grades = await Promise.all(
      members.map(async (member, index) => {
        const grade = await member.grade(rubric, artifact, controller.signal);
        // The first real failure decides; the cancellations it causes are not the story.
        if (grade.kind === "error" && !controller.signal.aborted) {
          firstError = index;
          controller.abort();
        }
        return grade;
      }),
    );
    return { grades, firstError };
  } finally {
    signal?.removeEventListener("abort", forward);
  }
}

function mergeGrades(
  rubric: Rubric,
  { grades, firstError }: { grades: Grade[]; firstError: number | null },
): Grade {
  const calls = grades.flatMap((grade) => grade.calls);
  const errorIndex = firstError ?? grades.findIndex((grade) => grade.kind === "error");
  const failed = grades[errorIndex];
  if (failed?.kind === "error") {
    return {
      kind: "error",
      error: `panel member ${errorIndex + 1} of ${grades.length}: ${failed.error}`,
      ...(failed.modelError ? { modelError: failed.modelError } : {}),
      calls,
    };
  }
  const graded = grades.filter((grade) => grade.kind === "graded");

  const verdicts: Record<string, CriterionVerdict> = {};
  for (const criterion of rubric.criteria) {
    const given = graded.map((grade) => grade.verdicts[criterion.id]);
    // A member without a verdict votes fail: a missing verdict is never a pass.
    const votes: Votes = {
      pass: given.filter((v) => v?.verdict === "pass").length,
      fail: given.filter((v) => v?.verdict !== "pass").length,
    };
    const { verdict, uncertain } = majorityVerdict(votes);
    // Evidence and explanation come from the first member that voted with the panel.
    const source = given.find((v) => v?.verdict === verdict);
    verdicts[criterion.id] = {
      verdict,
      evidence: source?.evidence ?? "",
      explanation: source?.explanation ?? "no member of the panel gave a verdict",
      evidenceVerified: source?.evidenceVerified ?? false,
      line: source?.line ?? null,
      location: source?.location ?? null,
      ...(source?.unverified ? { unverified: true } : {}),
      votes,
      uncertain,
    };
  }
  const notApplicable = graded.filter((grade) => !grade.applicable).length;
  const applicable = notApplicable * 2 <= graded.length;
  const summary = graded.find((grade) => grade.applicable === applicable)?.summary ?? "";
  return { kind: "graded", verdicts, applicable, summary, calls };
}
