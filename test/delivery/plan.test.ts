import { describe, expect, it } from "vitest";
import { planDelivery } from "../../src/delivery/deliver.js";
import { fixedCriteria, reportAt } from "../../src/report/at-commit.js";
import type { RunEvent } from "../../src/github/event.js";
import { file, report } from "../support/report-builder.js";

const pr = (isFork = false): Extract<RunEvent, { kind: "pull_request" }> => ({
  kind: "pull_request",
  eventName: "pull_request",
  number: 2,
  baseSha: "b".repeat(40),
  baseRef: "main",
  headSha: "h".repeat(40),
  headRef: "feature",
  headRepoFullName: isFork ? "fork/repo" : "o/r",
  isFork,
});
const full = (eventName: string): Extract<RunEvent, { kind: "full" }> => ({
  kind: "full",
  eventName,
  sha: "s".repeat(40),
  ref: "refs/heads/main",
});

describe("planDelivery", () => {
  it.each([
    ["off", pr(), false, { revise: false }],
    ["commit", pr(), false, { revise: true, strategy: "commit" }],
    ["commit", pr(true), false, { revise: true, strategy: "suggest" }],
    ["suggest", pr(), false, { revise: true, strategy: "suggest" }],
    ["pr", pr(), false, { revise: true, strategy: "suggest" }],
    ["commit", pr(), true, { revise: false }],
    ["suggest", pr(), true, { revise: false }],
    ["commit", pr(), null, { revise: false }],
    ["pr", full("schedule"), false, { revise: true, strategy: "pr" }],
    ["pr", full("workflow_dispatch"), false, { revise: true, strategy: "pr" }],
    ["pr", full("push"), false, { revise: true, strategy: "show" }],
    ["commit", full("schedule"), false, { revise: true, strategy: "show" }],
  ] as const)("revise: %s on %o (head is a revision: %s)", (mode, event, headIsRevision, expected) => {
    expect(planDelivery(mode, event, headIsRevision)).toMatchObject(expected);
  });

  it("says why a head commit with the trailer is not revised", () => {
    const plan = planDelivery("commit", pr(), true);
    expect(!plan.revise && plan.reason).toContain("Rubric-Gate: revision");
  });
});

describe("reportAt", () => {
  const revised = file({
    path: "docs/a.md",
    iterations: [
      { verdicts: { "no-todo": { verdict: "fail", line: 7, evidence: "TODO" }, install: "pass" } },
      { verdicts: { "no-todo": "pass", install: { verdict: "pass", line: 5 } } },
    ],
  });
  const untouched = file({ path: "docs/b.md", verdicts: { "no-todo": "pass", install: "pass" } });
  const base = report([revised, untouched]);

  it("grades a file whose revision is not in the commit as its original", () => {
    const view = reportAt(base, new Set(), () => "not here");
    const a = view.files[0]!;
    expect(a).toMatchObject({
      result: "needs_revision",
      best_iteration: 0,
      changed: false,
      reason: "not here",
    });
    expect(view.gate).toMatchObject({ passed: false, exit_code: 1 });
    expect(view.files[1]).toEqual(untouched);
  });

  it("keeps the revision's grade where it is applied", () => {
    const view = reportAt(base, new Set(["docs/a.md"]));
    expect(view.files[0]).toEqual(revised);
    expect(view.gate).toMatchObject({ passed: true, exit_code: 0 });
  });

  it("fixedCriteria lists what the best version passes and the original failed", () => {
    expect(fixedCriteria(revised)).toEqual(["no-todo"]);
    expect(fixedCriteria(untouched)).toEqual([]);
  });
});
