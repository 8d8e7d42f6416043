import { describe, expect, it } from "vitest";
import { parseExample } from "../../src/calibrate/examples.js";
import { checkGates, cohensKappa, computeMetrics, confusionOf } from "../../src/calibrate/metrics.js";
import { parseRubric } from "../../src/rubric/parse.js";

const P = "pass" as const;
const F = "fail" as const;
const pairs = (...list: Array<[typeof P | typeof F, typeof P | typeof F]>) =>
  list.map(([expected, judged]) => ({ expected, judged }));

describe("Cohen's kappa", () => {
  it("is 1 for perfect agreement across both classes, 0 for chance-level, negative below it", () => {
    expect(cohensKappa(confusionOf(pairs([P, P], [F, F])))).toBe(1);
    // po = 1/2; labels 1/1, judge 2/0 → pe = (1/2)(1) + (1/2)(0) = 1/2 → kappa 0.
    expect(cohensKappa(confusionOf(pairs([P, P], [F, P])))).toBe(0);
    // Every verdict the opposite of the label: po = 0, pe = 1/2 → kappa = −1.
    expect(cohensKappa(confusionOf(pairs([P, F], [F, P])))).toBe(-1);
  });

  it("is undefined (null) when expected agreement is 1: every label and verdict the same class", () => {
    expect(cohensKappa(confusionOf(pairs([P, P], [P, P])))).toBeNull();
    expect(cohensKappa(confusionOf(pairs([F, F])))).toBeNull();
    expect(cohensKappa(confusionOf([]))).toBeNull();
    // Labels all pass but the judge mixed: pe = 1·(1/2) + 0 = 1/2 < 1, so kappa is defined: 0.
    expect(cohensKappa(confusionOf(pairs([P, P], [P, F])))).toBe(0);
  });
});

describe("computeMetrics and checkGates", () => {
  it("rates have the labeled fails and passes as denominators, null without any", () => {
    const m = computeMetrics(pairs([P, P], [P, F], [P, P], [P, P]));
    expect(m).toMatchObject({ labeled: 4, agreement: 3 / 4, false_pass_rate: null, false_fail_rate: 1 / 4 });
    expect(computeMetrics([])).toMatchObject({ labeled: 0, agreement: null, kappa: null });
  });

  it("does not gate unlabeled rows, and fails closed on unmeasurable ones", () => {
    const violations = checkGates(
      [
        { row: "unlabeled", metrics: computeMetrics([]) },
        { row: "all-pass", metrics: computeMetrics(pairs([P, P])) },
        { row: "fine", metrics: computeMetrics(pairs([P, P], [F, F])) },
      ],
      { minKappa: 0.5, maxFalsePass: 0.2 },
    );
    expect(violations.map((v) => `${v.row}:${v.metric}:${v.value}`)).toEqual([
      "all-pass:kappa:null",
      "all-pass:false_pass_rate:null",
    ]);
    expect(
      checkGates([{ row: "x", metrics: computeMetrics(pairs([P, P])) }], {
        minKappa: null,
        maxFalsePass: null,
      }),
    ).toEqual([]);
  });
});

describe("parseExample", () => {
  const parsed = parseRubric(
    "rubrics/r.md",
    "---\nfiles: ['*.md']\ndescription: A page.\n---\n- Has a title. {#title}\n",
  );
  if (!parsed.ok) throw new Error("fixture");
  const rubric = parsed.rubric;

  it("keeps the body byte for byte, CRLF included, after a CRLF front matter", () => {
    const result = parseExample(
      "rubrics/r.examples/a.md",
      "---\r\nexpect: { title: pass }\r\n---\r\n# T\r\nbody\r\n",
      rubric,
    );
    expect(result).toMatchObject({
      ok: true,
      example: { content: "# T\r\nbody\r\n", expect: { title: "pass" } },
    });
  });

  it("an unclosed front matter is an error, not a silent body", () => {
    const result = parseExample("rubrics/r.examples/a.md", "---\nexpect: { title: pass }\n# T\n", rubric);
    expect(result).toMatchObject({ ok: false, problems: [{ line: 1, message: /no front matter/ }] });
  });

  it("`path` sets the path the judge is told, and the artifact may be empty", () => {
    const result = parseExample(
      "rubrics/r.examples/a.md",
      "---\nexpect_result: needs_revision\npath: docs/x.md\n---\n",
      rubric,
    );
    expect(result).toMatchObject({
      ok: true,
      example: { presentedPath: "docs/x.md", content: "", expectResult: "needs_revision" },
    });
  });
});
