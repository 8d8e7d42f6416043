import type { Rubric } from "../rubric/types.js";

export interface Scored {
  score: number;
  passed: boolean;
  failing: string[];
}

/**
 * Score = weighted fraction of blocking criteria that pass (of all criteria when every one is advisory).
 * A version passes when the rubric applies and either every blocking criterion passes or, with a
 * `threshold`, the score reaches it. A criterion without a verdict counts as failed.
 */
export function scoreVerdicts(
  rubric: Rubric,
  verdicts: Record<string, { verdict: "pass" | "fail" } | undefined>,
  applicable: boolean,
): Scored {
  const blocking = rubric.criteria.filter((c) => !c.advisory);
  const counted = blocking.length > 0 ? blocking : rubric.criteria;
  let total = 0;
  let passedWeight = 0;
  const failing: string[] = [];
  for (const criterion of rubric.criteria) {
    const pass = verdicts[criterion.id]?.verdict === "pass";
    if (!pass) failing.push(criterion.id);
    if (!counted.includes(criterion)) continue;
    total += criterion.weight;
    if (pass) passedWeight += criterion.weight;
  }
  const score = total > 0 ? passedWeight / total : 0;
  if (!applicable) return { score: 0, passed: false, failing };
  const blockingFailed = blocking.some((c) => verdicts[c.id]?.verdict !== "pass");
  const passed = rubric.threshold === undefined ? !blockingFailed : score >= rubric.threshold - 1e-9;
  return { score, passed, failing };
}
