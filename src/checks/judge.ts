import { where, type CriterionVerdict, type Grade, type Judge } from "../judge/judge.js";
import { locateEvidence } from "../judge/evidence.js";
import type { Rubric } from "../rubric/types.js";
import { runCheck, type LinkTargets } from "./checks.js";

const judged = new WeakMap<Rubric, Rubric>();

/** The rubric the model judges: its criteria without those a check decides (one object per rubric). */
export function judgedPart(rubric: Rubric): Rubric {
  let part = judged.get(rubric);
  if (part === undefined) {
    part = { ...rubric, criteria: rubric.criteria.filter((c) => c.check === undefined) };
    judged.set(rubric, part);
  }
  return part;
}

/** Whether every criterion of the rubric is decided by a check: no model is needed for it. */
export function isDeterministic(rubric: Rubric): boolean {
  return rubric.criteria.every((c) => c.check !== undefined);
}

/**
 * A judge that decides the criteria with a check itself (SPEC §10) and asks `model` for the others
 * only; its verdicts have the judge's shape, in the rubric's order. With every criterion checked, no
 * model is called (`model` may then be null). A revision is graded the same way, so it is re-checked.
 */
export function withChecks(model: Judge | null, targets: LinkTargets): Judge {
  return {
    async grade(rubric, artifact, signal) {
      const checked = rubric.criteria.flatMap((c) => (c.check ? [{ id: c.id, check: c.check }] : []));
      if (checked.length === 0) {
        if (model === null) throw new Error("unreachable: a rubric with judged criteria and no judge");
        return model.grade(rubric, artifact, signal);
      }
      const decided = new Map<string, CriterionVerdict>();
      for (const criterion of checked) {
        const outcome = await runCheck(
          criterion.check,
          { path: artifact.path, content: artifact.content },
          targets,
        );
        decided.set(criterion.id, {
          verdict: outcome.verdict,
          evidence: outcome.evidence,
          explanation: outcome.explanation,
          evidenceVerified: locateEvidence(artifact.content, outcome.evidence).verified,
          ...where(artifact, outcome.line),
        });
      }
      let rest: Extract<Grade, { kind: "graded" }> = {
        kind: "graded",
        verdicts: {},
        applicable: true,
        summary: `Decided by ${checked.length} deterministic check${checked.length === 1 ? "" : "s"}, without a model.`,
        calls: [],
      };
      if (checked.length < rubric.criteria.length) {
        if (model === null) throw new Error("unreachable: a rubric with judged criteria and no judge");
        const graded = await model.grade(judgedPart(rubric), artifact, signal);
        if (graded.kind === "error") return graded;
        rest = graded;
      }
      const verdicts: Record<string, CriterionVerdict> = {};
      for (const criterion of rubric.criteria) {
        const verdict = decided.get(criterion.id) ?? rest.verdicts[criterion.id];
        if (verdict) verdicts[criterion.id] = verdict;
      }
      return { ...rest, verdicts };
    },
  };
}
