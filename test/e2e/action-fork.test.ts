// Fork pull requests (SPEC §13): the committed bundle run as a `pull_request_target` workflow would
// run it, with an EMPTY workspace — nothing of the fork is checked out. The changed files are read at
// the head SHA through the GitHub stand-in (backed by a real bare repository, every request checked
// against GitHub's OpenAPI description); rubrics come from the base; nothing is pushed.
// @octokit/webhooks-examples has no `pull_request_target` example: its payload is the `pull_request`
// one (GitHub documents the same payload for both), so the `pull_request` "opened" example is used
// with a fork as its head repository.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { runAction, webhookExample, type ActionRun } from "../support/action-runner.js";
import { createGitFixture, type GitFixture } from "../support/git-repo.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { contains, isJudgeRequest, scripted } from "../support/scripted.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const PR = 7;

const RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Has an Install section. {#install}
- Has no TODO left. {#no-todo}
`;

let fixture: GitFixture | undefined;
let github: GitHubServer | undefined;
let models: ModelServer | undefined;
let empty: string | undefined;
afterEach(async () => {
  await github?.close();
  await models?.close();
  fixture?.cleanup();
  if (empty) rmSync(empty, { recursive: true, force: true });
  github = models = fixture = empty = undefined;
});

const judge = () =>
  scripted({
    judge: {
      install: contains("## Install"),
      "no-todo": (artifact) => !artifact.includes("TODO"),
    },
    writer: (artifact) =>
      artifact.includes("TODO: usage") ? [{ find: "TODO: usage\n", replace: "Run `widget --help`.\n" }] : [],
  });

/** A fork's pull request: base on main, head on the fork's branch; the Action runs with an empty workspace. */
async function forkRun(
  head: Record<string, string>,
  inputs: Record<string, string>,
  options: { eventName?: string; base?: Record<string, string> } = {},
): Promise<{ run: ActionRun; headSha: string }> {
  const base = options.base ?? {
    "rubrics/guide.md": RUBRIC,
    "docs/guide.md": "# Guide\n\n## Install\n\nnpm i widget\n",
  };
  fixture = createGitFixture(base);
  const baseSha = fixture.head("refs/heads/main")!;
  const headSha = fixture.commit("fork-branch", head, "Edit the guide", "main");
  github = await startGitHubServer({
    owner: OWNER,
    repo: REPO,
    headSha,
    gitDir: fixture.bare,
    pullFiles: {
      [PR]: Object.keys(head).map((path) => ({
        filename: path,
        status: path in base ? ("modified" as const) : ("added" as const),
        patch: fixture!.patch(baseSha, headSha, path),
      })),
    },
  });
  const payload = webhookExample("pull_request", "opened");
  const pr = payload["pull_request"] as {
    number: number;
    head: { sha: string; ref: string; repo: { full_name: string } };
    base: { sha: string; ref: string; repo: { full_name: string } };
  };
  pr.number = PR;
  payload["number"] = PR;
  pr.head.sha = headSha;
  pr.head.ref = "fork-branch";
  pr.head.repo.full_name = "outsider/Hello-World";
  pr.base.sha = baseSha;
  pr.base.ref = "main";
  pr.base.repo.full_name = `${OWNER}/${REPO}`;
  empty = mkdtempSync(join(tmpdir(), "rubric-gate-empty-"));
  const run = await runAction({
    eventName: options.eventName ?? "pull_request_target",
    payload,
    repository: `${OWNER}/${REPO}`,
    sha: baseSha,
    ref: "refs/heads/main",
    workspace: empty,
    apiUrl: github.url,
    inputs: {
      judge: "openai:gpt-4.1",
      "openai-api-key": "sk-test-not-a-real-key-000",
      "openai-base-url": models!.openaiBaseURL,
      ...inputs,
    },
  });
  return { run, headSha };
}

const reportOf = (run: ActionRun): Report => {
  const report = JSON.parse(run.outputs["report"] ?? "null") as Report;
  assertValidReport(report);
  return report;
};
const writes = () =>
  github!.requests.filter((r) =>
    /^git\/(create-commit|create-tree|create-blob|update-ref|create-ref)$/.test(r.operationId ?? ""),
  );

describe("a fork's pull request under pull_request_target, fork-pull-requests: grade", () => {
  it("is graded from the API with an empty workspace: check on the head SHA, annotations, comment; nothing pushed", async () => {
    models = await startModelServer(judge());
    const { run, headSha } = await forkRun(
      // The head also tries to loosen the rubric: the base's rubric grades it all the same.
      {
        "docs/guide.md": "# Guide\n\n## Install\n\nnpm i widget\n\nTODO: usage\n",
        "rubrics/guide.md": RUBRIC.replace("- Has no TODO left. {#no-todo}\n", ""),
      },
      { "fork-pull-requests": "grade", revise: "commit" },
    );
    expect(github!.violations).toEqual([]);
    expect(github!.responseViolations).toEqual([]);
    const report = reportOf(run);
    const guide = report.files.find((f) => f.path === "docs/guide.md")!;
    expect(Object.keys(guide.iterations[0]!.verdicts)).toEqual(["install", "no-todo"]);
    expect(guide.iterations[0]!.verdicts["no-todo"]).toMatchObject({ verdict: "fail" });
    // The file was read at the head through the contents API.
    expect(
      github!.requests.some((r) => r.operationId === "repos/get-content" && r.query["ref"] === headSha),
    ).toBe(true);
    const check = github!.state.checkRuns[0]!;
    expect(check.head_sha).toBe(headSha);
    expect(check.annotations.some((a) => a.path === "docs/guide.md" && a.title === "no-todo: fail")).toBe(
      true,
    );
    expect(
      github!.state.issueComments.some((c) => c.issue_number === PR && c.body.includes("docs/guide.md")),
    ).toBe(true);
    // revise: commit falls back to suggestions on a fork; nothing is pushed or committed.
    expect(writes()).toEqual([]);
    expect(github!.state.reviews.length).toBeGreaterThan(0);
    expect(run.summary).toContain("fork");
    expect(models.requests.filter((r) => !isJudgeRequest(r)).length).toBeGreaterThan(0);
  }, 60_000);

  it("the cost budget stops a fork's pull request of many large files before it spends more: interrupted, never passed", async () => {
    models = await startModelServer(judge());
    const big = `# Guide\n\n## Install\n\n${"Install the widget with npm and configure it. ".repeat(2_000)}\n`;
    const head: Record<string, string> = {};
    for (let i = 0; i < 12; i++) head[`docs/page-${i}.md`] = big;
    const { run } = await forkRun(head, {
      "fork-pull-requests": "grade",
      "fork-max-cost": "0.05",
      concurrency: "1",
    });
    const report = reportOf(run);
    expect(report.files.some((f) => f.result === "interrupted")).toBe(true);
    expect(report.totals.cost_usd!, "spent no more than the budget").toBeLessThanOrEqual(0.05);
    expect(report.gate.passed).toBe(false);
    expect(run.outputs["result"]).not.toBe("passed");
    expect(models.requests.length).toBeLessThan(12);
  }, 60_000);
});

describe("a fork's file over the contents API's 1 MB", () => {
  it("is skipped as too large, never graded as an empty file", async () => {
    models = await startModelServer(judge());
    const huge = `# Guide\n\n## Install\n\n${"x".repeat(1024 * 1024)}\n`;
    const { run } = await forkRun(
      { "docs/huge.md": huge },
      { "fork-pull-requests": "grade", "max-file-bytes": "4000000" },
    );
    const file = reportOf(run).files.find((f) => f.path === "docs/huge.md")!;
    expect(file).toMatchObject({ result: "skipped", skip_kind: "too_large" });
    expect(file.reason).toContain("over what the contents API returns (1 MB)");
    expect(models.requests).toEqual([]);
  }, 60_000);
});

describe("a fork's pull request otherwise", () => {
  it("the default skip gives a neutral check that names fork-pull-requests", async () => {
    models = await startModelServer(judge());
    await forkRun({ "docs/guide.md": "# Guide\n\nTODO\n" }, {});
    const check = github!.state.checkRuns[0]!;
    expect(check.conclusion).toBe("neutral");
    expect(check.output.summary).toContain("fork-pull-requests");
    expect(check.output.summary).toContain("pull_request_target");
    expect(models.requests).toEqual([]);
  }, 60_000);

  it("grade under pull_request (no secrets for forks) is a neutral check that says to use pull_request_target", async () => {
    models = await startModelServer(judge());
    await forkRun(
      { "docs/guide.md": "# Guide\n\nTODO\n" },
      { "fork-pull-requests": "grade" },
      { eventName: "pull_request" },
    );
    const check = github!.state.checkRuns[0]!;
    expect(check.conclusion).toBe("neutral");
    expect(check.output.summary).toContain("pull_request_target");
    expect(models.requests).toEqual([]);
  }, 60_000);
});
