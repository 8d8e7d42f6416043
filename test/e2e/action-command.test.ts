// The Action's `command` input through the committed bundle: the CLI's calibrate, lint-rubric and
// check-rubrics run in a user's repository with `uses:` alone (no Node setup, no package), against the
// local model server; the exit code fails the step and is an output; nothing but those commands runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAction, webhookExample } from "../support/action-runner.js";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { contains, scripted } from "../support/scripted.js";
import { makeWorkspace } from "../support/workspace.js";

const RUBRIC = `---
files:
  - docs/**/*.md
description: A page of the docs.
---

- Has an Install section. {#install}
`;

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer(scripted({ judge: { install: contains("## Install") } }));
});
afterAll(() => server.close());

async function repository(labels: { a: "pass" | "fail"; b: "pass" | "fail" }) {
  return makeWorkspace({
    "rubrics/docs.md": RUBRIC,
    "docs/guide.md": "# Guide\n\n## Install\n\nnpm i tool\n",
    "rubrics/docs.examples/a.md": `---\nexpect: { install: ${labels.a} }\n---\n# A\n\n## Install\n\nnpm i a\n`,
    "rubrics/docs.examples/b.md": `---\nexpect: { install: ${labels.b} }\n---\n# B\n\nNothing to install.\n`,
  });
}

function action(root: string, inputs: Record<string, string>) {
  return runAction({
    eventName: "push",
    payload: webhookExample("push"),
    repository: "octo/docs",
    sha: "0123456789abcdef0123456789abcdef01234567",
    workspace: root,
    // No GitHub request is made in command mode: nothing listens here.
    apiUrl: "http://127.0.0.1:9",
    inputs,
    env: { OPENAI_BASE_URL: server.openaiBaseURL },
  });
}

describe("the command input", () => {
  it("calibrate with the judge input: a gate that holds passes the step, one that breaks fails it", async () => {
    const agreeing = await repository({ a: "pass", b: "fail" });
    const disagreeing = await repository({ a: "fail", b: "pass" });
    try {
      const inputs = {
        command: "calibrate rubrics/docs.md --min-kappa 0.6 --report 'out/calibration report.json'",
        judge: "openai:gpt-4.1",
        "openai-api-key": "sk-test-0123456789abcdefghij",
      };
      const held = await action(agreeing.root, inputs);
      expect(held.code, held.stdout + held.stderr).toBe(0);
      expect(held.outputs["exit-code"]).toBe("0");
      expect(held.stdout).toMatch(/kappa/i);
      // The quoted argument is one word: the report is where it says.
      expect(JSON.parse(await agreeing.read("out/calibration report.json"))).toMatchObject({
        kind: "calibration",
      });
      // The key went to the model server, and never to the log.
      expect(server.requests.length).toBeGreaterThan(0);
      const logged = held.stdout.split("\n").filter((line) => !line.startsWith("::add-mask::"));
      expect(logged.join("\n")).not.toContain("sk-test-0123456789abcdefghij");

      const broken = await action(disagreeing.root, inputs);
      expect(broken.code).toBe(1);
      expect(broken.outputs["exit-code"]).toBe("1");
      expect(broken.stdout).toContain("::error::rubric-gate calibrate exited with 1");
    } finally {
      await agreeing.cleanup();
      await disagreeing.cleanup();
    }
  }, 120_000);

  it("check-rubrics and lint-rubric run without a key or a judge", async () => {
    const repo = await repository({ a: "pass", b: "fail" });
    try {
      const check = await action(repo.root, { command: "check-rubrics" });
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain("rubrics/docs.md");
      const lint = await action(repo.root, { command: "lint-rubric rubrics/docs.md" });
      expect(lint.outputs["exit-code"]).toMatch(/^[01]$/);
    } finally {
      await repo.cleanup();
    }
  }, 60_000);

  it("refuses any other command, and an unclosed quote, naming the input and the fix", async () => {
    const repo = await repository({ a: "pass", b: "fail" });
    try {
      const grade = await action(repo.root, { command: "grade --revise" });
      expect(grade.code).toBe(1);
      expect(grade.stdout).toContain(
        'input "command" = "grade --revise": expected one of check-rubrics, lint-rubric, calibrate',
      );
      const quote = await action(repo.root, { command: "calibrate 'rubrics/docs.md" });
      expect(quote.code).toBe(1);
      expect(quote.stdout).toContain("quote is not closed");
      // Shell syntax is not run: `$(…)` and `;` are plain characters of an argument.
      const shell = await action(repo.root, { command: "check-rubrics --rubrics '$(touch pwned);x'" });
      expect(shell.stdout).not.toContain("pwned:");
      expect(await repo.read("pwned").catch(() => "absent")).toBe("absent");
    } finally {
      await repo.cleanup();
    }
  }, 60_000);
});
