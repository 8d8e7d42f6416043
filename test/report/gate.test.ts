import { describe, expect, it } from "vitest";
import { decideGate, gateSentence } from "../../src/report/gate.js";
import type { FileReport } from "../../src/report/schema.js";
import { file } from "../support/report-builder.js";

const skipped = (path: string, kind: FileReport["skip_kind"], reason: string): FileReport => ({
  ...file({ path, iterations: [], result: "skipped" }),
  reason,
  skip_kind: kind,
});

describe("decideGate", () => {
  it.each([
    ["nothing matched", [], 0, "nothing_to_grade", true, 0],
    ["all satisfied", [file({ path: "a.md", result: "satisfied" })], 0, "passed", true, 0],
    [
      "one failing",
      [file({ path: "a.md", result: "satisfied" }), file({ path: "b.md", result: "needs_revision" })],
      0,
      "failed",
      false,
      1,
    ],
    ["interrupted", [file({ path: "a.md", result: "interrupted" })], 0, "failed", false, 1],
    [
      "a grader error wins over a failure",
      [file({ path: "a.md", result: "grader_error" }), file({ path: "b.md", result: "needs_revision" })],
      0,
      "error",
      false,
      3,
    ],
    ["no judge configured", [skipped("a.md", "no_judge", "no judge configured")], 0, "error", false, 3],
    ["all skipped", [skipped("a.png", "binary", "binary")], 0, "not_graded", false, 1],
    ["configuration errors win", [file({ path: "a.md", result: "satisfied" })], 1, "config_error", false, 2],
  ] as const)("%s", (_label, files, configErrors, status, passed, exit) => {
    const gate = decideGate([...files], configErrors);
    expect(gate).toMatchObject({ status, passed, exit_code: exit });
  });

  it("a pass with a matched file not graded names it, and never reads as a plain pass", () => {
    const gate = decideGate(
      [file({ path: "a.md", result: "satisfied" }), skipped("big.md", "too_large", "too large")],
      0,
    );
    expect(gate).toMatchObject({ status: "passed", exit_code: 0 });
    expect(gate.ungraded).toEqual([{ path: "big.md", rubric: "rubrics/docs.md", reason: "too large" }]);
    expect(gateSentence(gate)).toBe("PASSED: 1 graded file satisfied its rubric; 1 matched file NOT graded");
  });
});
