import { describe, expect, it } from "vitest";
import { locateEvidence } from "../../src/judge/evidence.js";
import { buildJudgeMessages, makeNonce } from "../../src/judge/prompt.js";
import { judgeJsonSchema, parseJudgeAnswer } from "../../src/judge/schema.js";
import { scoreVerdicts } from "../../src/loop/score.js";
import { parseRubric } from "../../src/rubric/parse.js";
import type { Rubric } from "../../src/rubric/types.js";

function rubric(body: string, front = ""): Rubric {
  const parsed = parseRubric(
    "rubrics/r.md",
    `---\nfiles: ["**/*.md"]\ndescription: A page.\n${front}---\n${body}`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.rubric;
}

const R = rubric(
  "- Has a title. {#title}\n- Has an example. {#example weight=2}\n- [advisory] Is short. {#short}\n",
);

describe("judge schema (SPEC §2)", () => {
  it("has one required property per criterion, with evidence, explanation, verdict in that order", () => {
    const schema = judgeJsonSchema(R) as {
      required: string[];
      additionalProperties: boolean;
      properties: {
        criteria: {
          required: string[];
          additionalProperties: boolean;
          properties: Record<string, { description: string; properties: object; required: string[] }>;
        };
      };
    };
    expect(schema.required).toEqual(["criteria", "applicable", "summary"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.criteria.required).toEqual(["title", "example", "short"]);
    expect(schema.properties.criteria.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.criteria.properties.example!.properties)).toEqual([
      "evidence",
      "explanation",
      "verdict",
    ]);
    expect(schema.properties.criteria.properties.example!.description).toBe("Has an example.");
  });

  it("rejects a missing criterion, an extra one, a bad verdict and non-JSON", () => {
    const v = { evidence: "", explanation: "", verdict: "pass" };
    const ok = { criteria: { title: v, example: v, short: v }, applicable: true, summary: "" };
    expect(parseJudgeAnswer(R, JSON.stringify(ok)).ok).toBe(true);
    const missing = { ...ok, criteria: { title: v, example: v } };
    expect(parseJudgeAnswer(R, JSON.stringify(missing))).toMatchObject({
      ok: false,
      error: /criteria\.short/,
    });
    const extra = { ...ok, criteria: { ...ok.criteria, bonus: v } };
    expect(parseJudgeAnswer(R, JSON.stringify(extra)).ok).toBe(false);
    const maybe = { ...ok, criteria: { ...ok.criteria, title: { ...v, verdict: "maybe" } } };
    expect(parseJudgeAnswer(R, JSON.stringify(maybe)).ok).toBe(false);
    expect(parseJudgeAnswer(R, "{not json").ok).toBe(false);
    expect(parseJudgeAnswer(R, JSON.stringify({ criteria: ok.criteria, summary: "" })).ok).toBe(false);
  });
});

describe("evidence", () => {
  const text = "# Title\n\nFirst line.\nSecond   line\nwraps here.\n";
  it("locates an exact quote and its line", () => {
    expect(locateEvidence(text, "Second   line")).toEqual({ verified: true, line: 4 });
  });
  it("accepts a quote that differs only in white space", () => {
    expect(locateEvidence(text, "Second line wraps here.")).toEqual({ verified: true, line: 4 });
  });
  it("marks paraphrase, ellipsis and empty quotes unverified", () => {
    expect(locateEvidence(text, "Second line ... here")).toEqual({ verified: false, line: null });
    expect(locateEvidence(text, "A title")).toEqual({ verified: false, line: null });
    expect(locateEvidence(text, "")).toEqual({ verified: false, line: null });
  });
});

describe("prompt", () => {
  it("a nonce never occurs in the artifact", () => {
    const values = ["aaaa", "bbbb"];
    expect(makeNonce("xx aaaa xx", () => values.shift() ?? "cccc")).toBe("bbbb");
  });
  it("puts the rubric first (cacheable) and the artifact last", () => {
    const [message] = buildJudgeMessages(R, { path: "a.md", content: "BODY" }, "n".repeat(24));
    expect(message?.content.indexOf("Has a title.")).toBeLessThan(message?.content.indexOf("BODY") ?? 0);
    expect(message?.content.slice(0, message.cacheUpTo)).not.toContain("BODY");
    expect(message?.content.trimEnd().endsWith("(ids in brackets).")).toBe(true);
  });
});

describe("score", () => {
  const pass = { verdict: "pass" as const };
  const fail = { verdict: "fail" as const };
  it("weights blocking criteria and ignores advisory ones", () => {
    expect(scoreVerdicts(R, { title: pass, example: fail, short: pass }, true)).toEqual({
      score: 1 / 3,
      passed: false,
      failing: ["example"],
    });
    expect(scoreVerdicts(R, { title: pass, example: pass, short: fail }, true)).toMatchObject({
      score: 1,
      passed: true,
    });
  });
  it("a missing verdict fails, and a non-applicable rubric never passes", () => {
    expect(scoreVerdicts(R, { title: pass, example: pass }, true)).toMatchObject({
      passed: true,
      failing: ["short"],
    });
    expect(scoreVerdicts(R, { title: pass, short: pass }, true).passed).toBe(false);
    expect(scoreVerdicts(R, { title: pass, example: pass, short: pass }, false)).toMatchObject({
      score: 0,
      passed: false,
    });
  });
  it("a threshold passes on the weighted fraction", () => {
    const t = rubric("- A. {#a}\n- B. {#b}\n- C. {#c weight=2}\n", "threshold: 0.75\n");
    expect(scoreVerdicts(t, { a: pass, b: fail, c: pass }, true)).toMatchObject({
      score: 0.75,
      passed: true,
    });
    expect(scoreVerdicts(t, { a: pass, b: pass, c: fail }, true)).toMatchObject({
      score: 0.5,
      passed: false,
    });
  });
});
