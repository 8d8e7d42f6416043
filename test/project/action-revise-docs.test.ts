// The README's example workflow for revisions uses real inputs with values the Action accepts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUT_NAMES, readInputs } from "../../src/action/inputs.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README: revisions", () => {
  const section = readme.slice(readme.indexOf("**Revisions**"), readme.indexOf("**Permissions**"));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const workflow = parse(yaml) as {
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }>;
  };
  const step = workflow.jobs["grade"]?.steps.find((s) => s.uses?.startsWith("rubric-gate/rubric-gate@"));

  it("uses inputs that exist, and every value its `revise` expression can take is accepted", () => {
    for (const key of Object.keys(step?.with ?? {})) expect(INPUT_NAMES).toContain(key);
    const values = [...(step?.with?.["revise"] ?? "").matchAll(/&& '([a-z]+)'|\|\| '([a-z]+)'/g)].map(
      (m) => m[1] ?? m[2],
    );
    expect(values).toEqual(["pr", "commit"]);
    for (const revise of values) {
      expect(readInputs((name) => (name === "revise" ? (revise ?? "") : "")).revise).toBe(revise);
    }
    expect(() => readInputs((name) => (name === "revise" ? "push" : ""))).toThrow(
      'input "revise" = "push": expected off, suggest, commit or pr',
    );
  });

  it("grants what commit and pr need", () => {
    expect(workflow.permissions).toMatchObject({
      contents: "write",
      "pull-requests": "write",
      checks: "write",
    });
  });
});
