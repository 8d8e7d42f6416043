/** A label and the judge's verdict on it: `pass` is the positive class (for a result: `satisfied`). */
export interface LabeledVerdict {
  expected: "pass" | "fail";
  judged: "pass" | "fail";
}

/** Counts of expected → judged. */
export interface Confusion {
  expected_pass: { judged_pass: number; judged_fail: number };
  expected_fail: { judged_pass: number; judged_fail: number };
}

/** How far a judge agrees with the labels on one criterion, on all criteria pooled, or on the result. */
export interface Metrics {
  /** Labeled verdicts compared. */
  labeled: number;
  /** Fraction of labeled verdicts the judge got right; null without labels. */
  agreement: number | null;
  /** Cohen's kappa; null without labels, or when undefined (see `cohensKappa`). */
  kappa: number | null;
  /** Judge passes where the label says fail (leniency), over the labeled fails; null without any. */
  false_pass_rate: number | null;
  /** Judge fails where the label says pass (harshness), over the labeled passes; null without any. */
  false_fail_rate: number | null;
  confusion: Confusion;
  /** With several samples: fraction of judged examples whose verdicts were not unanimous; else null. */
  flip_rate: number | null;
}

/** The 2×2 confusion matrix of labeled verdicts. */
export function confusionOf(pairs: readonly LabeledVerdict[]): Confusion {
  const count = (expected: "pass" | "fail", judged: "pass" | "fail") =>
    pairs.filter((p) => p.expected === expected && p.judged === judged).length;
  return {
    expected_pass: { judged_pass: count("pass", "pass"), judged_fail: count("pass", "fail") },
    expected_fail: { judged_pass: count("fail", "pass"), judged_fail: count("fail", "fail") },
  };
}

/**
 * Cohen's kappa, (po − pe) / (1 − pe): observed agreement po corrected for the agreement pe expected by
 * chance from the two marginals. When pe = 1 — every label and every verdict are the same one class —
 * kappa is 0/0: it is null ("undefined"), because such a set cannot show whether the judge tells the
 * classes apart. It is never reported as perfect, and a `--min-kappa` gate does not pass on it.
 */
export function cohensKappa(confusion: Confusion): number | null {
  const tp = confusion.expected_pass.judged_pass;
  const fn = confusion.expected_pass.judged_fail;
  const fp = confusion.expected_fail.judged_pass;
  const tn = confusion.expected_fail.judged_fail;
  const n = tp + fn + fp + tn;
  if (n === 0) return null;
  // In counts (× n²), so the degenerate case is an exact integer comparison.
  const chance = (tp + fn) * (tp + fp) + (fp + tn) * (fn + tn);
  if (chance === n * n) return null;
  return ((tp + tn) * n - chance) / (n * n - chance);
}

/** Agreement, kappa, false-pass and false-fail rates and the confusion matrix of labeled verdicts. */
export function computeMetrics(pairs: readonly LabeledVerdict[], flipRate: number | null = null): Metrics {
  const confusion = confusionOf(pairs);
  const { expected_pass: pass, expected_fail: fail } = confusion;
  const labeledPass = pass.judged_pass + pass.judged_fail;
  const labeledFail = fail.judged_pass + fail.judged_fail;
  const n = labeledPass + labeledFail;
  return {
    labeled: n,
    agreement: n === 0 ? null : (pass.judged_pass + fail.judged_fail) / n,
    kappa: cohensKappa(confusion),
    false_pass_rate: labeledFail === 0 ? null : fail.judged_pass / labeledFail,
    false_fail_rate: labeledPass === 0 ? null : pass.judged_fail / labeledPass,
    confusion,
    flip_rate: flipRate,
  };
}

/** One gate that a calibration row violates. */
export interface Violation {
  /** A criterion id, `all criteria` or `result`. */
  row: string;
  metric: "kappa" | "false_pass_rate";
  value: number | null;
  limit: number;
  message: string;
}

/**
 * Checks `--min-kappa` and `--max-false-pass` on every labeled row. A gate never passes on a number
 * that could not be measured: an undefined kappa, or a false-pass rate without any labeled fail, is a
 * violation that says which labels to add. Rows without labels are not gated.
 */
export function checkGates(
  rows: ReadonlyArray<{ row: string; metrics: Metrics }>,
  gates: { minKappa: number | null; maxFalsePass: number | null },
): Violation[] {
  const violations: Violation[] = [];
  for (const { row, metrics } of rows) {
    if (metrics.labeled === 0) continue;
    if (gates.minKappa !== null) {
      const { kappa } = metrics;
      if (kappa === null) {
        const only = metrics.confusion.expected_pass.judged_pass > 0 ? "pass" : "fail";
        violations.push({
          row,
          metric: "kappa",
          value: null,
          limit: gates.minKappa,
          message: `${row}: kappa is undefined — every label and every verdict is ${only}, so the set cannot show that the judge tells pass from fail; add a labeled example that should ${only === "pass" ? "fail" : "pass"}`,
        });
      } else if (kappa < gates.minKappa) {
        violations.push({
          row,
          metric: "kappa",
          value: kappa,
          limit: gates.minKappa,
          message: `${row}: kappa ${kappa.toFixed(2)} is under --min-kappa ${gates.minKappa}`,
        });
      }
    }
    if (gates.maxFalsePass !== null) {
      const rate = metrics.false_pass_rate;
      const fails = metrics.confusion.expected_fail;
      if (rate === null) {
        violations.push({
          row,
          metric: "false_pass_rate",
          value: null,
          limit: gates.maxFalsePass,
          message: `${row}: no example is labeled fail, so the judge's leniency is not measured; add one that should fail`,
        });
      } else if (rate > gates.maxFalsePass) {
        violations.push({
          row,
          metric: "false_pass_rate",
          value: rate,
          limit: gates.maxFalsePass,
          message: `${row}: false-pass rate ${rate.toFixed(2)} (${fails.judged_pass} of ${fails.judged_pass + fails.judged_fail} labeled fails judged pass) is over --max-false-pass ${gates.maxFalsePass}`,
        });
      }
    }
  }
  return violations;
}
