import { describe, expect, it } from "vitest";
import { extractJsonObject, findJsonObjects, systemWithJsonSchema } from "../../src/providers/prompt-json.js";

describe("extractJsonObject", () => {
  it.each([
    ["a bare object", '  {"a": 1}\n', '{"a": 1}'],
    ["a ```json fence", 'Sure:\n```json\n{"a": {"b": [1, 2]}}\n```\n', '{"a": {"b": [1, 2]}}'],
    ["a bare ``` fence", '```\n{"a": 1}\n```', '{"a": 1}'],
    ["prose around it", 'My answer is {"a": "x } y"} as requested.', '{"a": "x } y"}'],
    ["a think block first", '<think>maybe {"a": 0}?</think>\n{"a": 1}', '{"a": 1}'],
    ["stray braces before it", 'Use {braces} carefully: {"a": 1}', '{"a": 1}'],
    ["escaped quotes in strings", 'ok {"a": "say \\"}\\" now"}', '{"a": "say \\"}\\" now"}'],
  ])("finds the object in %s", (_label, answer, expected) => {
    expect(extractJsonObject(answer)).toBe(expected);
  });

  it.each([["no JSON at all"], ['{"a": 1'], ["[1, 2]"], ["```json\nnot json\n```"]])(
    "is null for %j",
    (answer) => {
      expect(extractJsonObject(answer)).toBeNull();
    },
  );
});

describe("systemWithJsonSchema", () => {
  it("appends the schema and the one-object instruction to the system prompt", () => {
    const text = systemWithJsonSchema({
      system: "You grade.",
      schemaName: "verdicts",
      schemaDescription: "One verdict per criterion.",
      schema: { type: "object", required: ["summary"] },
    });
    expect(text.startsWith("You grade.\n")).toBe(true);
    expect(text).toContain('"verdicts": One verdict per criterion.');
    expect(text).toContain('"required": [\n    "summary"\n  ]');
    expect(text).toContain("JSON object only");
  });
});

describe("findJsonObjects", () => {
  it("counts every distinct top-level object: an echoed one makes the answer ambiguous", () => {
    const echoed = '{"criteria": {"a": {"verdict": "pass"}}}';
    const real = '{"criteria": {"a": {"verdict": "fail"}}}';
    expect(findJsonObjects(`${echoed}\n${real}`)).toEqual([echoed, real]);
    expect(findJsonObjects(`Echo:\n\`\`\`json\n${echoed}\n\`\`\`\nMine: ${real}`)).toHaveLength(2);
    expect(extractJsonObject(`${echoed}\n${real}`)).toBeNull();
  });

  it("counts nested objects with their parent, and the same object twice once", () => {
    expect(findJsonObjects('{"a": {"b": {"c": 1}}}')).toHaveLength(1);
    expect(findJsonObjects('x {"a": 1} y {"a":1}')).toEqual(['{"a": 1}']);
    expect(findJsonObjects("no braces at all")).toEqual([]);
  });
});
