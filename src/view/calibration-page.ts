import type { CalibrationReport } from "../calibrate/schema.js";
import { duration, num, page, percent, text, usd } from "./html.js";
import { confusionMatrix } from "./svg.js";

type Metrics = CalibrationReport["metrics"]["all_criteria"];

/** A calibration run's page: the gates, metrics per criterion, confusion matrices and disagreements. */
export function calibrationPage(report: CalibrationReport): string {
  const { metrics, gates, totals } = report;
  const gateClass = gates.passed ? "ok" : "bad";
  const rows: [string, Metrics][] = [
    ...report.rubric.criteria.flatMap((id): [string, Metrics][] => {
      const m = metrics.criteria[id];
      return m ? [[id, m]] : [];
    }),
    ["all criteria", metrics.all_criteria],
    ["result", metrics.result],
  ];
  const body = [
    `<header><h1>rubric-gate calibration</h1>`,
    `<p class="muted">Started ${text(report.started_at)} · rubric-gate ${text(report.tool.version)}</p></header>`,
    `<main>`,
    `<h2>Overview</h2>`,
    `<div class="gate ${gateClass}" role="status"><strong>${gates.passed ? "Calibration gates passed" : "Calibration gates failed"}</strong> · exit code ${report.exit_code}${gates.violations.map((v) => `<br>${text(v.message, 1000)}`).join("")}</div>`,
    `<table><caption>The run</caption><tbody>`,
    row(
      "Rubric",
      `<code>${text(report.rubric.path, 500)}</code> <span class="muted mono">${text(report.rubric.sha256.slice(0, 12))}</span>`,
    ),
    row("Judges", report.judges.map((j) => `<code>${text(j, 200)}</code>`).join(", ")),
    row("Samples per judge", num(report.samples)),
    row("Examples", `${num(totals.examples)} (${num(totals.graded)} graded)`),
    row("Model calls", num(totals.calls)),
    row("Tokens", `${num(totals.input_tokens)} in · ${num(totals.output_tokens)} out`),
    row("Estimated cost", usd(totals.cost_usd)),
    row("Wall time", duration(totals.wall_ms)),
    row(
      "Gates",
      `minimum kappa ${gates.min_kappa ?? "none"} · maximum false-pass rate ${gates.max_false_pass ?? "none"}`,
    ),
    `</tbody></table>`,
    `<h2>Agreement with the labels</h2>`,
    `<table><caption>Per criterion (false-pass is over the labeled fails, false-fail over the labeled passes)</caption>`,
    `<thead><tr><th scope="col">Criterion</th><th scope="col">Labels</th><th scope="col">Agreement</th><th scope="col">Kappa</th><th scope="col">False pass</th><th scope="col">False fail</th><th scope="col">Flip rate</th></tr></thead><tbody>`,
    ...rows.map(
      ([id, m]) =>
        `<tr><th scope="row"><code>${text(id, 200)}</code></th><td class="n">${num(m.labeled)}</td><td class="n">${percent(m.agreement)}</td><td class="n">${m.kappa === null ? "n/a" : m.kappa.toFixed(2)}</td><td class="n">${percent(m.false_pass_rate)}</td><td class="n">${percent(m.false_fail_rate)}</td><td class="n">${percent(m.flip_rate)}</td></tr>`,
    ),
    `</tbody></table>`,
    `<h2>Confusion matrices</h2>`,
    `<div class="cards">`,
    ...rows.map(
      ([id, m]) =>
        `<figure>${confusionMatrix(m.confusion, `Confusion matrix of ${id}`)}<figcaption><code>${text(id, 200)}</code>${id === "result" ? " (pass = satisfied)" : ""}</figcaption></figure>`,
    ),
    `</div>`,
    `<h2>Examples</h2>`,
    ...report.examples.map((example) => exampleSection(example)),
    `</main>`,
  ].join("\n");
  return page(`rubric-gate calibration — ${gates.passed ? "passed" : "failed"}`, body);
}

function row(key: string, value: string): string {
  return `<tr><th scope="row">${key}</th><td>${value}</td></tr>`;
}

function exampleSection(example: CalibrationReport["examples"][number]): string {
  const disagree = Object.values(example.verdicts).some((v) => v.agrees === false);
  const parts = [
    `<details class="file"${disagree || example.status === "grader_error" ? " open" : ""} data-result="${example.status}" data-unverified="0" data-path="${text(example.path, 1000)}">`,
    `<summary><span class="badge ${example.status === "grader_error" ? "warn" : disagree ? "bad" : "ok"}">${example.status === "grader_error" ? "grader error" : disagree ? "disagrees" : "agrees"}</span> <span class="path">${text(example.path, 1000)}</span> <span class="muted">· labeled ${text(example.expected_result ?? "—")}, judged ${text(example.result ?? "—")}</span></summary>`,
  ];
  if (example.error) parts.push(`<p class="badge warn">${text(example.error, 2000)}</p>`);
  const verdicts = Object.entries(example.verdicts);
  if (verdicts.length) {
    parts.push(
      `<table><caption>Verdicts against the labels</caption><thead><tr><th scope="col">Criterion</th><th scope="col">Label</th><th scope="col">Verdict</th><th scope="col">Evidence</th><th scope="col">Why</th></tr></thead><tbody>`,
      ...verdicts.map(
        ([id, v]) =>
          `<tr class="verdict" data-verdict="${v.agrees === false ? "fail" : "pass"}"><th scope="row"><code>${text(id, 200)}</code></th><td>${v.expected ?? "—"}</td><td><span class="badge ${v.agrees === false ? "bad" : "ok"}">${v.verdict}${v.agrees === false ? " ✗ disagrees" : v.agrees ? " ✓" : ""}</span>${v.votes ? ` <span class="muted">votes ${v.votes.pass}/${v.votes.fail}</span>` : ""}${v.flipped ? ` <span class="badge warn">samples disagreed</span>` : ""}</td><td>${v.evidence ? `<blockquote>${text(v.evidence, 4000)}</blockquote>` : `<span class="muted">no quote</span>`}${v.evidence && !v.evidence_verified ? ` <span class="badge warn">quote not found</span>` : ""}</td><td><div class="explanation">${text(v.explanation, 4000)}</div></td></tr>`,
      ),
      `</tbody></table>`,
    );
  }
  parts.push(`</details>`);
  return parts.join("\n");
}
