// The README's workflow and tables agree with action.yml, and the workflows in this repo use real inputs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUT_NAMES } from "../../src/action/inputs.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
}
const action = parse(read("action.yml")) as ActionYml;
const readme = read("README.md");

function between(text: string, name: string): string {
  const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(text);
  if (!match?.[1]) throw new Error(`README has no ${name} block`);
  return match[1];
}

function tableRows(block: string): string[][] {
  return block
    .trim()
    .split("\n")
    .slice(2)
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe("action.yml", () => {
  it("runs dist/index.js on node24", () => {
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });

  it("declares exactly the inputs the code reads, each with a description and a default", () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description.length, name).toBeGreaterThan(10);
      expect(input.default, name).toBeDefined();
    }
  });
});

describe("README", () => {
  it("lists every input with action.yml's default and description", () => {
    const rows = tableRows(between(readme, "inputs"));
    expect(rows.map((r) => r[0])).toEqual(Object.keys(action.inputs).map((n) => `\`${n}\``));
    for (const [name, defaultCell, description] of rows) {
      const input = action.inputs[name!.replace(/`/g, "")]!;
      expect(defaultCell, name).toBe(input.default ? `\`${input.default}\`` : "—");
      expect(description?.replace(/\\\|/g, "|"), name).toBe(input.description);
    }
  });

  it("lists every output of action.yml", () => {
    const rows = tableRows(between(readme, "outputs"));
    expect(rows.map((r) => [r[0], r[1]])).toEqual(
      Object.entries(action.outputs).map(([name, o]) => [`\`${name}\``, o.description]),
    );
  });

  it("shows the workflow kept verbatim in test/fixtures/workflow-example.yml, and it is valid", () => {
    const block = between(readme, "workflow")
      .replace(/^\n*```yaml\n/, "")
      .replace(/```\n*$/, "");
    const fixture = read("test/fixtures/workflow-example.yml");
    expect(block).toBe(fixture);
    const workflow = parse(fixture) as {
      on: Record<string, unknown>;
      permissions: Record<string, string>;
      jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }>;
    };
    expect(Object.keys(workflow.on)).toEqual(["pull_request", "schedule"]);
    expect(workflow.permissions).toEqual({
      contents: "read",
      checks: "write",
      "pull-requests": "write",
      issues: "write",
    });
    const step = workflow.jobs["grade"]?.steps.find((s) => s.uses?.startsWith("rubric-gate/rubric-gate@"));
    expect(step?.with?.["judge"]).toMatch(/^openai:/);
    for (const key of Object.keys(step?.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
  });
});

describe("this repository's own workflow", () => {
  it("runs the local action with inputs that exist", () => {
    const workflow = parse(read(".github/workflows/rubric-gate.yml")) as {
      jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }>;
    };
    const step = workflow.jobs["grade"]?.steps.find((s) => s.uses === "./");
    expect(step).toBeDefined();
    for (const key of Object.keys(step?.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
  });
});
