import { FILE_RESULTS, type FileReport, type IterationReport, type Report } from "../report/schema.js";
import { safeText } from "../util/redact.js";
import { duration, escapeHtml, num, page, text, usd } from "./html.js";
import { scoreChart } from "./svg.js";

const GATE_WORDS: Record<Report["gate"]["status"], string> = {
  passed: "Gate passed",
  failed: "Gate failed",
  error: "Gate failed: the judge could not be used",
  config_error: "Gate failed: configuration error",
  not_graded: "Gate failed: nothing could be graded",
  nothing_to_grade: "Nothing to grade",
};

const RESULT_CLASS: Record<FileReport["result"], string> = {
  satisfied: "ok",
  needs_revision: "bad",
  max_iterations_reached: "bad",
  failed: "bad",
  grader_error: "warn",
  interrupted: "warn",
  skipped: "info",
};

/** The run's page (SPEC §11): overview, filters, then every file with its chart, verdicts and diffs. */
export function reportPage(report: Report): string {
  const title = `rubric-gate report — ${GATE_WORDS[report.gate.status]}`;
  const body = [
    `<a class="skip" href="#files">Skip to the files</a>`,
    `<header><h1>rubric-gate report</h1>`,
    `<p class="muted">Started ${text(report.started_at)} · rubric-gate ${text(report.tool.version)}</p></header>`,
    `<main>`,
    overview(report),
    filters(report),
    `<h2 id="files">Files</h2>`,
    report.files.length === 0
      ? `<p>No file was graded.</p>`
      : report.files.map((f, i) => fileSection(report, f, i)).join("\n"),
    `</main>`,
  ].join("\n");
  return page(title, body);
}

function overview(report: Report): string {
  const { gate, totals } = report;
  const gateClass = gate.passed ? "ok" : gate.status === "error" ? "warn" : "bad";
  const counts = FILE_RESULTS.filter((r) => (gate.counts[r] ?? 0) > 0)
    .map(
      (r) =>
        `<span class="badge ${RESULT_CLASS[r]}">${r.replaceAll("_", " ")}: ${num(gate.counts[r] ?? 0)}</span>`,
    )
    .join(" ");
  const judges = report.judges?.length ? report.judges : report.judge ? [report.judge] : [];
  const rows: [string, string][] = [
    ["Files", num(totals.files)],
    ["Judge", judges.length ? judges.map((j) => `<code>${text(j)}</code>`).join(", ") : "none"],
    ["Writer", report.writer ? `<code>${text(report.writer)}</code>` : "none"],
    [
      "Model calls",
      `${num(totals.calls)} (${num(totals.judge_calls)} judge, ${num(totals.writer_calls)} writer)`,
    ],
    [
      "Tokens",
      `${num(totals.input_tokens)} in (${num(totals.cached_input_tokens)} cached) · ${num(totals.output_tokens)} out`,
    ],
    ["Estimated cost", usd(totals.cost_usd)],
    ["Wall time", duration(totals.wall_ms)],
  ];
  if (totals.cached_grades) rows.push(["Grades from the verdict cache", num(totals.cached_grades)]);
  if (gate.unverified) rows.push(["Verdicts failed for unverified evidence", num(gate.unverified)]);
  if (gate.advisory_failures) rows.push(["Failing advisory criteria", num(gate.advisory_failures)]);
  const out = [
    `<h2>Overview</h2>`,
    `<div class="gate ${gateClass}" role="status"><strong>${GATE_WORDS[gate.status]}</strong> · exit code ${gate.exit_code}<br>${counts}</div>`,
    `<table><caption>The run</caption><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join("")}</tbody></table>`,
  ];
  if (gate.ungraded.length) {
    out.push(
      `<table><caption>Not graded (${num(gate.ungraded.length)})</caption><thead><tr><th scope="col">File</th><th scope="col">Rubric</th><th scope="col">Why</th></tr></thead><tbody>`,
      ...gate.ungraded.map(
        (u) =>
          `<tr><td><code>${text(u.path, 500)}</code></td><td><code>${text(u.rubric, 500)}</code></td><td>${text(u.reason, 2000)}</td></tr>`,
      ),
      `</tbody></table>`,
    );
  }
  if (report.config_errors.length) {
    out.push(
      `<table><caption>Configuration errors</caption><thead><tr><th scope="col">Where</th><th scope="col">Problem</th><th scope="col">Fix</th></tr></thead><tbody>`,
      ...report.config_errors.map(
        (e) =>
          `<tr><td><code>${text(e.file, 500)}:${e.line}</code></td><td>${text(e.message)}</td><td>${text(e.hint)}</td></tr>`,
      ),
      `</tbody></table>`,
    );
  }
  return out.join("\n");
}

/** Filter controls: hidden until the script shows them, so a page without scripts shows everything. */
function filters(report: Report): string {
  if (report.files.length === 0) return "";
  const present = FILE_RESULTS.filter((r) => report.files.some((f) => f.result === r));
  const boxes = present
    .map(
      (r) =>
        `<label><input type="checkbox" name="result" value="${r}" checked> ${r.replaceAll("_", " ")} (${num(report.files.filter((f) => f.result === r).length)})</label>`,
    )
    .join("\n");
  return `<form id="filters" hidden aria-label="Filter the files">
<fieldset><legend>Show files whose result is</legend>
${boxes}
</fieldset>
<fieldset><legend>Narrow down</legend>
<label><input type="checkbox" id="f-unverified"> only files with unverified evidence</label>
<label><input type="checkbox" id="f-failing"> only failing verdicts</label>
<label for="f-path">Path contains</label> <input type="search" id="f-path" autocomplete="off">
</fieldset>
<p id="shown" aria-live="polite" class="muted"></p>
</form>`;
}

function hasUnverified(file: FileReport): boolean {
  return file.iterations.some((i) =>
    Object.values(i.verdicts).some(
      (v) => v.unverified === true || (v.verdict === "pass" && !v.evidence_verified),
    ),
  );
}

function fileSection(report: Report, file: FileReport, n: number): string {
  const criteria = new Map((report.rubrics?.[file.rubric]?.criteria ?? []).map((c) => [c.id, c.text]));
  const open = file.result !== "satisfied" && file.result !== "skipped";
  const score = file.best_score === null ? "" : ` · best score ${file.best_score.toFixed(2)}`;
  const iterations = file.iterations.length;
  const summary = `<summary><span class="badge ${RESULT_CLASS[file.result]}">${file.result.replaceAll("_", " ")}</span> <span class="path">${text(file.path, 1000)}</span> <span class="muted">· ${num(iterations)} iteration${iterations === 1 ? "" : "s"}${score}</span></summary>`;
  const parts: string[] = [
    `<details class="file" id="file-${n}"${open ? " open" : ""} data-result="${file.result}" data-unverified="${hasUnverified(file) ? "1" : "0"}" data-path="${text(file.path, 1000)}">`,
    summary,
    `<h3 class="sr-only">${text(file.path, 1000)}</h3>`,
    `<p>Rubric <code>${text(file.rubric, 500)}</code>${file.stop_reason ? ` · stopped: ${text(file.stop_reason)}` : ""}${file.reason ? ` — ${text(file.reason, 2000)}` : ""}</p>`,
    `<p class="muted">${num(file.usage.input_tokens)} input, ${num(file.usage.output_tokens)} output tokens · ${usd(file.cost_usd)}${file.written ? " · the best revision was written back" : file.changed ? " · a better revision was found" : ""}</p>`,
  ];
  if (iterations > 0) {
    parts.push(
      `<figure>${scoreChart(
        file.iterations.map((i) => ({ index: i.index, score: i.score, note: i.status.replaceAll("_", " ") })),
        file.best_iteration,
        `Score per iteration of ${safeLabel(file.path)}`,
      )}<figcaption>Score per iteration; the best is ringed${file.best_iteration !== null ? ` (iteration ${file.best_iteration})` : ""}.</figcaption></figure>`,
    );
  }
  if (file.generator_changes?.length) {
    parts.push(
      `<h4>What the generator must change</h4><ul>${file.generator_changes
        .map(
          (c) =>
            `<li><code>${text(c.criterion, 200)}</code>${c.advisory ? " (advisory)" : ""}${c.location ? ` at ${text(c.location, 200)}` : ""}: ${text(c.change)}</li>`,
        )
        .join("")}</ul>`,
    );
  }
  for (const iteration of file.iterations) parts.push(iterationSection(file, iteration, criteria, n));
  if (file.diff) {
    parts.push(`<h4>Original → best</h4>${diffBlock(file.diff)}`);
  }
  parts.push(`</details>`);
  return parts.join("\n");
}

function iterationSection(
  file: FileReport,
  iteration: IterationReport,
  criteria: Map<string, string>,
  n: number,
): string {
  const isBest = file.best_iteration === iteration.index;
  const last = iteration.index === file.iterations.length - 1;
  const heading = `Iteration ${iteration.index} · ${iteration.kind}${iteration.revised_from !== null ? ` of ${iteration.revised_from}` : ""} · ${iteration.score === null ? iteration.status.replaceAll("_", " ") : `score ${iteration.score.toFixed(2)}`}${isBest ? " · best" : ""}${iteration.cached ? " · from the verdict cache" : ""}`;
  const parts = [
    `<details class="iteration"${isBest || (last && file.best_iteration === null) ? " open" : ""}>`,
    `<summary>${text(heading)}</summary>`,
  ];
  if (iteration.error) parts.push(`<p class="badge warn">${text(iteration.error, 2000)}</p>`);
  if (iteration.summary) parts.push(`<p>${text(iteration.summary, 4000)}</p>`);
  const verdicts = Object.entries(iteration.verdicts);
  if (verdicts.length) {
    parts.push(
      `<table><caption>Verdicts of iteration ${iteration.index}</caption><thead><tr><th scope="col">Criterion</th><th scope="col">Verdict</th><th scope="col">Evidence</th><th scope="col">Where</th><th scope="col">Why</th></tr></thead><tbody>`,
    );
    for (const [id, v] of verdicts) {
      const flags: string[] = [];
      if (v.advisory) flags.push(`<span class="badge info">advisory</span>`);
      if (v.unverified)
        flags.push(`<span class="badge warn">unverified: the quote is not in the file</span>`);
      else if (!v.evidence_verified && v.evidence)
        flags.push(`<span class="badge warn">quote not found in the file</span>`);
      if (v.uncertain) flags.push(`<span class="badge warn">no clear majority</span>`);
      if (v.votes) flags.push(`<span class="muted">votes ${v.votes.pass} pass / ${v.votes.fail} fail</span>`);
      const criterion = criteria.get(id);
      parts.push(
        `<tr class="verdict" data-verdict="${v.verdict}" id="f${n}-i${iteration.index}-${escapeHtml(encodeURIComponent(id))}">`,
        `<th scope="row"><code>${text(id, 200)}</code>${criterion ? `<br><span class="muted">${text(criterion, 2000)}</span>` : ""}</th>`,
        `<td><span class="badge ${v.verdict === "pass" ? "ok" : "bad"}">${v.verdict === "pass" ? "✓ pass" : "✗ fail"}</span> ${flags.join(" ")}</td>`,
        `<td>${v.evidence ? `<blockquote>${text(v.evidence, 4000)}</blockquote>` : `<span class="muted">no quote</span>`}</td>`,
        `<td>${v.location ? text(v.location, 200) : `<span class="muted">—</span>`}</td>`,
        `<td><div class="explanation">${text(v.explanation, 4000)}</div></td>`,
        `</tr>`,
      );
    }
    parts.push(`</tbody></table>`);
  }
  const calls = iteration.calls
    .map(
      (c) =>
        `${c.role} <code>${text(c.model, 200)}</code>: ${num(c.usage.input_tokens)} in, ${num(c.usage.output_tokens)} out, ${duration(c.latency_ms)}${c.attempts > 1 ? `, ${c.attempts} attempts` : ""}${c.invalid_answer ? `, first answer invalid (${text(c.invalid_answer, 300)})` : ""}${c.tool_calls?.length ? `, ${c.tool_calls.length} tool call(s)` : ""}`,
    )
    .join("<br>");
  if (calls) parts.push(`<p class="muted">${calls}</p>`);
  if (iteration.diff)
    parts.push(`<h4>Changes from iteration ${iteration.revised_from ?? ""}</h4>${diffBlock(iteration.diff)}`);
  parts.push(`</details>`);
  return parts.join("\n");
}

/** A unified diff, each line marked by kind (and by its sign, for readers who cannot see colour). */
function diffBlock(diff: string): string {
  // The `=====` rule the diff library writes under its index line says nothing a reader needs. The
  // `---`/`+++` file names come before the first hunk; inside one, such a line is a removal or addition.
  let inHunk = false;
  const lines = diff
    .split("\n")
    .filter((line) => !/^=+$/.test(line))
    .map((line) => {
      if (line.startsWith("@@")) inHunk = true;
      const header = line.startsWith("@@") || (!inHunk && (line.startsWith("+++") || line.startsWith("---")));
      const kind = header ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "";
      const escaped = text(line, 5000);
      return kind ? `<span class="${kind}">${escaped}</span>` : `${escaped}\n`;
    });
  return `<pre class="diff">${lines.join("")}</pre>`;
}

function safeLabel(path: string): string {
  return safeText(path, 200);
}
