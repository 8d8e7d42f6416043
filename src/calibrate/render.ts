import { safeText } from "../util/redact.js";
import { ALL_CRITERIA, RESULT } from "./calibrate.js";
import type { Metrics } from "./metrics.js";
import type { CalibrationReport, ExampleReport } from "./schema.js";
import { textTable } from "../util/text-table.js";

/** One progress line as an example is judged. */
export function exampleLine(example: ExampleReport, done: number, total: number): string {
  if (example.status === "grader_error") {
    return `[${done}/${total}] ${example.path}: grader_error — ${safeText(example.error ?? "", 500)}`;
  }
  const labeled = Object.values(example.verdicts).filter((v) => v.agrees !== null);
  const agree = labeled.filter((v) => v.agrees).length;
  return `[${done}/${total}] ${example.path}: ${example.result ?? "-"} (agrees with ${agree} of ${labeled.length} criterion labels)`;
}

function fixed(value: number | null, unlabeled: boolean): string {
  if (unlabeled) return "-";
  return value === null ? "n/a" : value.toFixed(2);
}

function rateCell(rate: number | null, hits: number, of: number, unlabeled: boolean): string {
  if (unlabeled) return "-";
  return rate === null ? "n/a (0/0)" : `${rate.toFixed(2)} (${hits}/${of})`;
}

function row(name: string, m: Metrics): string[] {
  const none = m.labeled === 0;
  const { expected_pass: p, expected_fail: f } = m.confusion;
  return [
    name,
    String(m.labeled),
    fixed(m.agreement, none),
    fixed(m.kappa, none),
    rateCell(m.false_pass_rate, f.judged_pass, f.judged_pass + f.judged_fail, none),
    rateCell(m.false_fail_rate, p.judged_fail, p.judged_pass + p.judged_fail, none),
    none ? "-" : `${p.judged_pass} ${p.judged_fail} ${f.judged_pass} ${f.judged_fail}`,
    m.flip_rate === null ? "-" : m.flip_rate.toFixed(2),
  ];
}

/** The human calibration summary: the metrics table, the disagreements and the gates. */
export function renderCalibration(report: CalibrationReport): string {
  const samples = report.samples === 1 ? "1 sample" : `${report.samples} samples`;
  const out = [
    `Calibration of ${report.rubric.path} on ${report.examples.length} labeled example(s) with ${report.judges.join(" + ")}, ${samples} each.`,
    "",
    textTable([
      ["CRITERION", "LABELS", "AGREE", "KAPPA", "FALSE-PASS", "FALSE-FAIL", "CONFUSION", "FLIP"],
      ...report.rubric.criteria.map((id) => row(id, report.metrics.criteria[id] as Metrics)),
      row(ALL_CRITERIA, report.metrics.all_criteria),
      row(RESULT, report.metrics.result),
    ]),
    "",
    "CONFUSION counts labeled→judged: pass→pass, pass→fail, fail→pass, fail→fail (for result, pass = satisfied).",
    "FALSE-PASS is over the labeled fails, FALSE-FAIL over the labeled passes; n/a where there are none.",
  ];

  const disagreements: string[] = [];
  for (const example of report.examples) {
    if (example.status === "grader_error") {
      disagreements.push(`  ${example.path}: grader_error — ${safeText(example.error ?? "", 500)}`);
      continue;
    }
    for (const [id, v] of Object.entries(example.verdicts)) {
      if (v.agrees !== false) continue;
      const votes = v.votes ? ` (votes ${v.votes.pass} pass / ${v.votes.fail} fail)` : "";
      disagreements.push(
        `  ${example.path}: ${id} labeled ${v.expected ?? "-"}, judged ${v.verdict}${votes} — ${safeText(v.explanation, 300)}`,
      );
    }
    if (example.expected_result !== null && example.result !== null) {
      const judged = example.result === "satisfied" ? "satisfied" : "needs_revision";
      if (judged !== example.expected_result) {
        disagreements.push(
          `  ${example.path}: result labeled ${example.expected_result}, judged ${example.result}`,
        );
      }
    }
  }
  out.push(
    "",
    disagreements.length ? "Disagreements:" : "No disagreement with the labels.",
    ...disagreements,
  );

  const gates = [
    report.gates.min_kappa === null ? "" : `--min-kappa ${report.gates.min_kappa}`,
    report.gates.max_false_pass === null ? "" : `--max-false-pass ${report.gates.max_false_pass}`,
  ].filter(Boolean);
  const t = report.totals;
  const cost = t.cost_usd === null ? "cost unknown" : `~$${t.cost_usd.toFixed(4)}`;
  out.push(
    "",
    `${t.calls} judge call(s), ${t.input_tokens} input + ${t.output_tokens} output tokens, ${cost}.`,
  );
  if (report.exit_code === 3) {
    out.push(
      `Gate: FAILED (exit 3): the judge could not grade ${t.examples - t.graded} of ${t.examples} example(s)`,
    );
  } else if (gates.length === 0) {
    out.push("No gate set (--min-kappa, --max-false-pass): exit 0.");
  } else if (report.gates.passed) {
    out.push(`Gate: PASSED (${gates.join(", ")})`);
  } else {
    out.push(
      `Gate: FAILED (exit 1; ${gates.join(", ")})`,
      ...report.gates.violations.map((v) => `  ${v.message}`),
    );
  }
  return out.join("\n");
}
