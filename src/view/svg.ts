import { escapeHtml } from "./html.js";

/** One iteration on the score chart: its score, or null when it was not graded (and why). */
export interface ScorePoint {
  index: number;
  score: number | null;
  note: string;
}

const W = 420;
const H = 170;
const LEFT = 40;
const RIGHT = 110;
const TOP = 14;
const BOTTOM = 34;

/**
 * Score per iteration as a line chart. The best iteration is ringed and labelled; when the last graded
 * iteration scored below the best, a dashed line at the best score and a `regressed` label make the
 * regression after a peak plain at a glance. Described for screen readers by its `aria-label`.
 */
export function scoreChart(points: readonly ScorePoint[], best: number | null, label: string): string {
  const n = Math.max(points.length, 2);
  const x = (i: number): number => LEFT + ((W - LEFT - RIGHT) * i) / (n - 1);
  const y = (score: number): number => TOP + (H - TOP - BOTTOM) * (1 - score);
  const graded = points.filter((p): p is ScorePoint & { score: number } => p.score !== null);
  const last = graded.at(-1);
  const bestPoint = graded.find((p) => p.index === best);
  const regressed = bestPoint !== undefined && last !== undefined && last.score < bestPoint.score;
  const description = points
    .map(
      (p) =>
        `iteration ${p.index}: ${p.score === null ? `not graded (${p.note})` : p.score.toFixed(2)}${p.index === best ? " (best)" : ""}`,
    )
    .join("; ");
  const parts: string[] = [];
  for (const tick of [0, 0.5, 1]) {
    parts.push(
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(tick)}" y2="${y(tick)}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${LEFT - 6}" y="${y(tick) + 4}" font-size="11" text-anchor="end" fill="#57606a">${tick.toFixed(1)}</text>`,
    );
  }
  points.forEach((p, i) => {
    parts.push(
      `<text x="${x(i)}" y="${H - BOTTOM + 16}" font-size="11" text-anchor="middle" fill="#57606a">${p.index}</text>`,
    );
  });
  parts.push(
    `<text x="${(LEFT + W - RIGHT) / 2}" y="${H - 4}" font-size="11" text-anchor="middle" fill="#57606a">iteration</text>`,
  );
  if (regressed) {
    parts.push(
      `<line x1="${x(points.indexOf(bestPoint))}" x2="${W - RIGHT}" y1="${y(bestPoint.score)}" y2="${y(bestPoint.score)}" stroke="#82071e" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    );
  }
  if (graded.length > 1) {
    const line = graded.map((p) => `${x(points.indexOf(p))},${y(p.score)}`).join(" ");
    parts.push(`<polyline points="${line}" fill="none" stroke="#0550ae" stroke-width="2.5"/>`);
  }
  points.forEach((p, i) => {
    if (p.score === null) {
      // Not graded: a hollow grey mark on the axis, never a zero score.
      parts.push(
        `<circle cx="${x(i)}" cy="${y(0)}" r="4.5" fill="#fff" stroke="#57606a" stroke-width="2" stroke-dasharray="2 2"/>`,
      );
      return;
    }
    const isBest = p.index === best;
    parts.push(
      `<circle cx="${x(i)}" cy="${y(p.score)}" r="${isBest ? 6 : 4.5}" fill="${isBest ? "#116329" : "#0550ae"}" stroke="#fff" stroke-width="1.5"/>`,
    );
    if (isBest) {
      parts.push(
        `<circle cx="${x(i)}" cy="${y(p.score)}" r="10" fill="none" stroke="#116329" stroke-width="2"/>`,
        `<text x="${x(i)}" y="${Math.max(y(p.score) - 14, 11)}" font-size="11" font-weight="600" text-anchor="middle" fill="#116329">best ${p.score.toFixed(2)}</text>`,
      );
    }
  });
  if (regressed) {
    parts.push(
      `<text x="${x(points.indexOf(last)) + 12}" y="${y(last.score) + 4}" font-size="11" font-weight="600" fill="#82071e">regressed ${last.score.toFixed(2)}</text>`,
    );
  }
  const aria = `${label}. ${description}.${regressed ? " The last graded iteration scored below the best." : ""}`;
  return `<svg class="chart" role="img" aria-label="${escapeHtml(aria)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(aria)}</title>${parts.join("")}</svg>`;
}

export interface Confusion {
  expected_pass: { judged_pass: number; judged_fail: number };
  expected_fail: { judged_pass: number; judged_fail: number };
}

/**
 * A 2×2 confusion matrix as a picture: rows are the labels, columns the judge's verdicts, each cell
 * shaded by its share of the row and printed with its count. Agreement is green, disagreement red.
 */
export function confusionMatrix(confusion: Confusion, label: string): string {
  const cell = 74;
  const left = 92;
  const top = 40;
  const rows = [
    {
      name: "labeled pass",
      pass: confusion.expected_pass.judged_pass,
      fail: confusion.expected_pass.judged_fail,
    },
    {
      name: "labeled fail",
      pass: confusion.expected_fail.judged_pass,
      fail: confusion.expected_fail.judged_fail,
    },
  ];
  const parts: string[] = [
    `<text x="${left + cell}" y="14" font-size="12" text-anchor="middle" fill="#57606a">judged</text>`,
    `<text x="${left + cell / 2}" y="${top - 8}" font-size="12" text-anchor="middle" fill="#1f2328">pass</text>`,
    `<text x="${left + cell * 1.5}" y="${top - 8}" font-size="12" text-anchor="middle" fill="#1f2328">fail</text>`,
  ];
  rows.forEach((row, r) => {
    const total = row.pass + row.fail;
    parts.push(
      `<text x="${left - 8}" y="${top + cell * r + cell / 2 + 4}" font-size="12" text-anchor="end" fill="#1f2328">${row.name}</text>`,
    );
    [row.pass, row.fail].forEach((count, c) => {
      const agrees = r === c;
      const share = total === 0 ? 0 : count / total;
      // Light to strong, always with dark text on a light cell or white text on a strong one.
      const strong = share >= 0.5;
      const fill = agrees ? (strong ? "#116329" : "#dafbe1") : strong ? "#82071e" : "#ffebe9";
      const ink = strong ? "#ffffff" : "#1f2328";
      const cx = left + cell * c;
      const cy = top + cell * r;
      parts.push(
        `<rect x="${cx}" y="${cy}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ffffff" stroke-width="2"/>`,
        `<text x="${cx + cell / 2}" y="${cy + cell / 2 + 2}" font-size="20" font-weight="700" text-anchor="middle" fill="${ink}">${count}</text>`,
        `<text x="${cx + cell / 2}" y="${cy + cell / 2 + 20}" font-size="11" text-anchor="middle" fill="${ink}">${total === 0 ? "–" : `${Math.round(share * 100)}%`}</text>`,
      );
    });
  });
  const width = left + cell * 2 + 8;
  const height = top + cell * 2 + 8;
  const aria = `${label}: labeled pass judged pass ${rows[0]?.pass}, judged fail ${rows[0]?.fail}; labeled fail judged pass ${rows[1]?.pass}, judged fail ${rows[1]?.fail}.`;
  return `<svg class="confusion" role="img" aria-label="${escapeHtml(aria)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(aria)}</title>${parts.join("")}</svg>`;
}
