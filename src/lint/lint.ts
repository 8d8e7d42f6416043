import type { Criterion, Rubric } from "../rubric/types.js";
import {
  asksForBrevity,
  compoundReason,
  demandsSection,
  forbiddenTopics,
  lengthCaps,
  lengthMinimums,
  mechanicalCheck,
  mentionsTopic,
  prescribedSequence,
  prescriptiveOpening,
  vagueTerm,
  type Amount,
} from "./rules.js";
import { contentTokens, jaccard, quoteText } from "./text.js";

export const LINT_RULES = {
  vague: "a criterion with a vague judgement and nothing a reader could point at",
  compound: "several requirements in one criterion",
  prescriptive: "a step for a person to take instead of a property of the artifact",
  mechanical: "a criterion a deterministic check decides better than a model",
  duplicate: "two criteria that say the same",
  "near-duplicate": "two criteria that say almost the same (word overlap ≥ 0.8)",
  contradiction: "criteria, or a criterion and the description, that cannot both hold",
} as const;
export type LintRule = keyof typeof LINT_RULES;

/**
 * One finding. `error`: the rubric cannot be graded as meant (a duplicate, a contradiction);
 * `warning`: the judge's verdicts on it will be noisy or uninformative. Both fail `lint-rubric`.
 */
export interface Finding {
  file: string;
  line: number;
  rule: LintRule;
  severity: "error" | "warning";
  message: string;
  hint: string;
  /** The criterion's id, when the finding is about one. */
  criterion: string | null;
}

/** Near-duplicates: normalized content-word Jaccard at or above this. */
export const NEAR_DUPLICATE = 0.8;

const IGNORE_COMMENT = /<!--\s*lint-rubric:\s*ignore\b([^>]*?)-->/;

/**
 * Lints one parsed rubric with deterministic heuristics: vague, compound and prescriptive criteria,
 * duplicates and near-duplicates, and contradictions visible without a model. `text` is the rubric
 * file's text, for the description's line and `<!-- lint-rubric: ignore RULE -->` comments (which
 * silence RULE, or every rule, for the criterion that follows).
 */
export function lintRubric(rubric: Rubric, text: string): Finding[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const findings: Finding[] = [];
  const add = (criterion: Criterion | null, line: number, rule: LintRule, message: string, hint: string) => {
    const severity = rule === "duplicate" || rule === "contradiction" ? "error" : "warning";
    findings.push({
      file: rubric.path,
      line,
      rule,
      severity,
      message,
      hint,
      criterion: criterion?.id ?? null,
    });
  };
  const raw = (criterion: Criterion): string => lines[criterion.line - 1] ?? criterion.text;

  for (const criterion of rubric.criteria) {
    const { text } = criterion;
    const vague = vagueTerm(text, raw(criterion));
    if (vague !== null) {
      add(
        criterion,
        criterion.line,
        "vague",
        `${quoteText(text)} judges "${vague}" with nothing a reader could point at`,
        'say what the file must show, so a quote can prove it: e.g. instead of "is clear", "defines every acronym at its first use"',
      );
    }
    const compound = compoundReason(text);
    if (compound !== null) {
      add(
        criterion,
        criterion.line,
        "compound",
        `${quoteText(text)} holds several requirements: ${compound}`,
        "split it into one criterion per requirement, so each gets its own verdict and explanation",
      );
    }
    const opening = prescriptiveOpening(text);
    if (opening !== null) {
      add(
        criterion,
        criterion.line,
        "prescriptive",
        `${quoteText(text)} prescribes a step ("${opening} …") instead of describing the file`,
        'state what the finished file shows or says, in the present tense: e.g. "Run the tests" → "Shows the command that runs the tests"',
      );
    } else {
      const sequence = prescribedSequence(text);
      if (sequence !== null) {
        add(
          criterion,
          criterion.line,
          "prescriptive",
          `${quoteText(text)} prescribes a sequence of steps ("${sequence}") instead of describing the file`,
          'a criterion describes the finished file, never the procedure: e.g. "First list the risks, then the mitigations" → "Lists each risk before its mitigation"',
        );
      }
    }
    const check = criterion.check === undefined ? mechanicalCheck(text) : null;
    if (check !== null) {
      add(
        criterion,
        criterion.line,
        "mechanical",
        `${quoteText(text)} can be decided without a model`,
        `make it a deterministic check: end the item with {#${criterion.id} ${check}} — no judge call, no cost, the same verdict every time`,
      );
    }
  }

  duplicates(rubric, add);
  contradictions(rubric, descriptionLine(lines), add);
  return suppress(findings, rubric, lines).sort((a, b) => a.line - b.line);
}

type Add = (criterion: Criterion | null, line: number, rule: LintRule, message: string, hint: string) => void;

function duplicates(rubric: Rubric, add: Add): void {
  const tokens = rubric.criteria.map((c) => contentTokens(c.text));
  rubric.criteria.forEach((later, j) => {
    for (let i = 0; i < j; i++) {
      const earlier = rubric.criteria[i] as Criterion;
      const a = tokens[i] ?? [];
      const b = tokens[j] ?? [];
      if (a.length === 0 || b.length === 0) continue;
      const same = a.join(" ") === b.join(" ");
      const similarity = jaccard(a, b);
      if (!same && similarity < NEAR_DUPLICATE) continue;
      add(
        later,
        later.line,
        same ? "duplicate" : "near-duplicate",
        same
          ? `${quoteText(later.text)} repeats \`${earlier.id}\` (line ${earlier.line})`
          : `${quoteText(later.text)} nearly repeats \`${earlier.id}\` (line ${earlier.line}; word overlap ${similarity.toFixed(2)})`,
        "remove one, or make each ask for something the other does not",
      );
      return;
    }
  });
}

function contradictions(rubric: Rubric, descLine: number, add: Add): void {
  const { criteria, description } = rubric;

  // "must not mention X" against a criterion, or the description, that asks for X.
  for (const criterion of criteria) {
    const forbidden = forbiddenTopics(criterion.text);
    if (!forbidden) continue;
    for (const topic of forbidden.topics) {
      for (const other of criteria) {
        if (other === criterion) continue;
        const positive = other.text.slice(0, forbiddenTopics(other.text)?.at ?? other.text.length);
        if (!mentionsTopic(positive, topic)) continue;
        add(
          criterion,
          criterion.line,
          "contradiction",
          `${quoteText(criterion.text)} forbids "${topic}", which \`${other.id}\` (line ${other.line}) asks for`,
          "decide which one holds and remove or reword the other",
        );
      }
      if (mentionsTopic(description, topic)) {
        add(
          criterion,
          criterion.line,
          "contradiction",
          `${quoteText(criterion.text)} forbids "${topic}", which the description (line ${descLine}) names as what the file is about`,
          "reword the criterion or the description so both can hold",
        );
      }
    }
  }

  // Numbers: "under 300 words" against "at least 500 words", in the description or in criteria.
  const caps: Array<{ amount: Amount; where: string; line: number }> = [
    ...lengthCaps(description).map((amount) => ({ amount, where: "the description", line: descLine })),
    ...criteria.flatMap((c) =>
      lengthCaps(c.text).map((amount) => ({ amount, where: `\`${c.id}\``, line: c.line })),
    ),
  ];
  for (const criterion of criteria) {
    for (const minimum of lengthMinimums(criterion.text)) {
      const cap = caps.find((c) => c.amount.unit === minimum.unit && c.amount.value < minimum.value);
      if (!cap) continue;
      add(
        criterion,
        criterion.line,
        "contradiction",
        `${quoteText(criterion.text)} asks for ${minimum.phrase}, but ${cap.where} (line ${cap.line}) allows ${cap.amount.phrase}`,
        "raise the limit or lower the minimum so one file can meet both",
      );
    }
  }

  // A short artifact (by the description) that must hold many sections.
  const pageCap = caps.find(
    (c) =>
      c.where === "the description" &&
      (c.amount.unit === "page" || c.amount.unit === "paragraph" || c.amount.unit === "screen"),
  );
  const wordCap = caps.find(
    (c) => c.where === "the description" && c.amount.unit === "word" && c.amount.value <= 800,
  );
  const brief = asksForBrevity(description) || pageCap !== undefined || wordCap !== undefined;
  if (!brief) return;
  const why =
    pageCap?.amount.phrase ??
    wordCap?.amount.phrase ??
    /\b(?:short|brief|concise|compact|terse|minimal|one-pager|tl;?dr)\b/i.exec(description)?.[0] ??
    "short";
  for (const criterion of criteria) {
    for (const minimum of lengthMinimums(criterion.text)) {
      const many =
        (["section", "heading", "paragraph", "example"].includes(minimum.unit) && minimum.value >= 4) ||
        (minimum.unit === "page" && minimum.value >= 2);
      if (!many) continue;
      add(
        criterion,
        criterion.line,
        "contradiction",
        `${quoteText(criterion.text)} asks for ${minimum.phrase}, but the description (line ${descLine}) says the file is short ("${why}")`,
        "drop the minimum, or say in the description that the file is long",
      );
    }
  }
  const sectioned = criteria.filter((c) => demandsSection(c.text));
  if (sectioned.length >= 5) {
    add(
      null,
      descLine,
      "contradiction",
      `the description says the file is short ("${why}"), but ${sectioned.length} criteria each ask for a section or heading (lines ${sectioned.map((c) => c.line).join(", ")})`,
      "merge the sections into fewer criteria, or drop the length limit from the description",
    );
  }
}

/** The line of `description:` in the front matter. */
function descriptionLine(lines: string[]): number {
  const index = lines.findIndex((line, i) => i > 0 && /^description\s*:/.test(line));
  return index >= 0 ? index + 1 : 1;
}

/** Drops findings silenced by `<!-- lint-rubric: ignore [RULE, …] -->` just before a criterion. */
function suppress(findings: Finding[], rubric: Rubric, lines: string[]): Finding[] {
  const silenced = new Map<string, Set<string> | "all">();
  lines.forEach((line, index) => {
    const match = IGNORE_COMMENT.exec(line);
    if (!match) return;
    const next = rubric.criteria.find((c) => c.line > index + 1);
    if (!next) return;
    const rules = (match[1] ?? "").split(/[\s,]+/).filter(Boolean);
    silenced.set(next.id, rules.length === 0 ? "all" : new Set(rules));
  });
  return findings.filter((finding) => {
    const rules = finding.criterion === null ? undefined : silenced.get(finding.criterion);
    return rules === undefined || (rules !== "all" && !rules.has(finding.rule));
  });
}
