import { writeFile } from "node:fs/promises";
import { join } from "node:path";
// The committed Action bundle, run as the runner would, against local GitHub and model servers.
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { runAction, webhookExample } from "../support/action-runner.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { startModelServer, type Handler, type ModelServer } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import {
  criterionIds,
  isJudgeRequest,
  scripted,
  verdictsFor,
  contains,
  artifactOf,
} from "../support/scripted.js";
import { makeWorkspace } from "../support/workspace.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const MERGE_SHA = "1111111111111111111111111111111111111111";

// The base branch's rubric grades; the head's lenient copy must not.
const BASE_RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Has an Install section. {#install}
- Has no TODO left. {#no-todo}
- [advisory] Links to the README. {#links}
`;
const HEAD_RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Exists. {#exists}
`;

const GUIDE = "# Guide\n\n## Install\n\nnpm i widget\n\nTODO: write the rest\n";

const judgeRules = {
  install: contains("## Install"),
  exists: () => true,
  links: contains("README"),
};

/** The judge fails `no-todo` quoting the TODO line, so the annotation has a line to point at. */
const judge = scripted({
  judge: (_req, ids, artifact) => {
    const answer = verdictsFor(ids, artifact, judgeRules);
    const todo = /TODO[^\n]*/.exec(artifact)?.[0];
    if (answer.criteria["no-todo"]) {
      answer.criteria["no-todo"] = todo
        ? { evidence: todo, explanation: "A TODO is left in the page.", verdict: "fail" }
        : { evidence: "", explanation: "No TODO left.", verdict: "pass" };
    }
    return { json: answer };
  },
});

let github: GitHubServer | undefined;
let models: ModelServer | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await github?.close();
  await models?.close();
  github = undefined;
  models = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function prPayload(options: { fork?: boolean } = {}): Record<string, unknown> {
  const payload = webhookExample("pull_request", "opened");
  if (options.fork) {
    const pr = payload["pull_request"] as { head: { repo: { full_name: string } } };
    pr.head.repo.full_name = "someone-else/Hello-World";
  }
  return payload;
}

async function pullRequestRun(
  inputs: Record<string, string>,
  options: { fork?: boolean; workspace: string; env?: Record<string, string> },
) {
  return runAction({
    eventName: "pull_request",
    payload: prPayload(options),
    repository: `${OWNER}/${REPO}`,
    sha: MERGE_SHA,
    ref: "refs/pull/2/merge",
    workspace: options.workspace,
    apiUrl: github!.url,
    inputs,
    ...(options.env ? { env: options.env } : {}),
  });
}

/** A pull request that changes docs/guide.md, graded with the base branch's rubric (plus `base` files). */
async function guideWorld(
  base: Record<string, string> = {},
  answer: Handler = judge,
): Promise<{ root: string; hub: GitHubServer; llm: ModelServer }> {
  const ws = await makeWorkspace({ "rubrics/guide.md": HEAD_RUBRIC, "docs/guide.md": GUIDE });
  cleanups.push(() => ws.cleanup());
  github = await startGitHubServer({
    owner: OWNER,
    repo: REPO,
    headSha: HEAD_SHA,
    pullFiles: { 2: [{ filename: "docs/guide.md", status: "modified" }] },
    contentsAt: { [BASE_SHA]: { "rubrics/guide.md": BASE_RUBRIC, ...base } },
  });
  models = await startModelServer(answer);
  return { root: ws.root, hub: github, llm: models };
}

function openaiInputs(): Record<string, string> {
  return {
    judge: "openai:gpt-4.1",
    "openai-api-key": "sk-test-not-a-real-key-000",
    "openai-base-url": models!.openaiBaseURL,
  };
}

describe("pull_request", () => {
  it("grades the changed files with the base branch's rubric and reports a check, annotations, a summary, a comment and outputs", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": HEAD_RUBRIC,
      "docs/guide.md": GUIDE,
      "docs/untouched.md": "# Untouched\n",
      "src/app.ts": "export {};\n",
    });
    cleanups.push(() => ws.cleanup());
    github = await startGitHubServer({
      owner: OWNER,
      repo: REPO,
      headSha: HEAD_SHA,
      pullFiles: {
        2: [
          { filename: "docs/guide.md", status: "modified", patch: "@@ -1,3 +1,7 @@\n # Guide\n+## Install" },
          { filename: "src/app.ts", status: "added" },
          { filename: "docs/removed.md", status: "removed" },
          { filename: "rubrics/guide.md", status: "modified" },
        ],
      },
      contentsAt: { [BASE_SHA]: { "rubrics/guide.md": BASE_RUBRIC, "docs/guide.md": "# Guide\n" } },
    });
    models = await startModelServer(judge);

    const run = await pullRequestRun(openaiInputs(), { workspace: ws.root });
    expect(github.violations).toEqual([]);
    expect(run.code, run.stdout + run.stderr).toBe(1);

    // The base rubric graded (its ids), the changed rubric pulled in every doc it matches.
    const judged = models.requests.filter(isJudgeRequest);
    expect(judged.map((r) => criterionIds(r))).toEqual([
      ["install", "no-todo", "links"],
      ["install", "no-todo", "links"],
    ]);
    expect(judged.map((r) => artifactOf(r)).sort()).toEqual(
      ["# Guide\n\n## Install\n\nnpm i widget\n\nTODO: write the rest\n", "# Untouched\n"].sort(),
    );

    // One check run on the PR's head SHA (never the merge SHA), created in_progress, then completed.
    expect(github.state.checkRuns).toHaveLength(1);
    const check = github.state.checkRuns[0]!;
    expect(check.head_sha).toBe(HEAD_SHA);
    expect(check.name).toBe("rubric-gate");
    const create = github.requests.find((r) => r.operationId === "checks/create");
    expect((create?.body as { status: string }).status).toBe("in_progress");
    expect(check.conclusion).toBe("failure");
    const guideNoTodo = check.annotations.find(
      (a) => a.path === "docs/guide.md" && a.title?.includes("no-todo"),
    );
    expect(guideNoTodo).toMatchObject({ annotation_level: "failure", start_line: 7, end_line: 7 });
    expect(guideNoTodo?.message).toContain("A TODO is left");
    const advisory = check.annotations.find((a) => a.path === "docs/guide.md" && a.title?.includes("links"));
    expect(advisory?.annotation_level).toBe("warning");
    expect(check.output?.summary).toContain("docs/guide.md");

    // The job summary, the sticky comment and the outputs.
    expect(run.summary).toContain("docs/guide.md");
    const comments = github.state.issueComments.filter((c) => c.issue_number === 2).map((c) => ({ ...c }));
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body.startsWith("<!-- rubric-gate -->")).toBe(true);
    expect(run.outputs).toMatchObject({
      result: "failed",
      conclusion: "failure",
      "files-graded": "2",
      "files-satisfied": "0",
    });
    const report = JSON.parse(run.outputs["report"] ?? "null") as Report;
    assertValidReport(report);
    expect(report.files.map((f) => f.path)).toEqual(["docs/guide.md", "docs/untouched.md"]);
    // The page beside the JSON report (SPEC §11): every file and every failing criterion on it.
    expect(run.outputs["report-page-path"]).toBe(
      run.outputs["report-path"]?.replace(/report\.json$/, "report.html"),
    );
    const page = run.outputs["page"] ?? "";
    expect(page.startsWith("<!doctype html>")).toBe(true);
    for (const f of report.files) expect(page).toContain(f.path);
    expect(page).toContain('data-verdict="fail"');
    expect(page).toContain("no-todo");

    // Keys and the token are registered as secrets (the runner then hides them) and never printed otherwise.
    const log = run.stdout.split("\n");
    expect(log).toContain("::add-mask::sk-test-not-a-real-key-000");
    expect(log).toContain("::add-mask::ghs_testtoken0123456789abcdefghijklmnop");
    const unmasked = log.filter((line) => !line.startsWith("::add-mask::")).join("\n") + run.stderr;
    expect(unmasked).not.toContain("sk-test-not-a-real-key-000");
    expect(unmasked).not.toContain("ghs_testtoken");

    // A second run on the same PR (the author pushed again) updates the same comment in place.
    await writeFile(
      join(ws.root, "docs/guide.md"),
      GUIDE.replace("TODO: write the rest", "TODO: write more"),
    );
    const again = await pullRequestRun(openaiInputs(), { workspace: ws.root });
    expect(again.code).toBe(1);
    const after = github.state.issueComments.filter((c) => c.issue_number === 2);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(comments[0]?.id);
    expect(github.requests.filter((r) => r.operationId === "issues/update-comment")).toHaveLength(1);
    expect(github.requests.filter((r) => r.operationId === "issues/create-comment")).toHaveLength(1);
    expect(after[0]?.body).not.toBe(comments[0]?.body);
    expect(github.violations).toEqual([]);
  });

  it("without GITHUB_STEP_SUMMARY (a local runner) a graded run keeps its result, with a warning", async () => {
    const { root, hub } = await guideWorld({ "docs/guide.md": "# Guide\n" });
    const run = await pullRequestRun(openaiInputs(), {
      workspace: root,
      env: { GITHUB_STEP_SUMMARY: "" },
    });
    expect(hub.violations).toEqual([]);
    expect(run.outputs).toMatchObject({ result: "failed", conclusion: "failure", "files-graded": "1" });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::warning::rubric-gate: the job summary could not be written \(.*GITHUB_STEP_SUMMARY/,
    );
    expect(hub.state.checkRuns[0]?.conclusion).toBe("failure");
  });

  it("input prices: the cost is counted at the given prices, inline or from a file on the base branch", async () => {
    const table = '{"gpt-4.1": {"input": 1000, "output": 2000}}';
    const { root, hub } = await guideWorld({ "prices.json": table });
    for (const prices of [table, "prices.json"]) {
      const run = await pullRequestRun({ ...openaiInputs(), prices }, { workspace: root });
      expect(run.outputs["result"], run.stdout).toBe("failed");
      const report = JSON.parse(run.outputs["report"] ?? "null") as Report;
      const t = report.totals;
      expect(t.input_tokens).toBeGreaterThan(0);
      expect(t.cost_usd).toBeCloseTo((t.input_tokens * 1000 + t.output_tokens * 2000) / 1e6, 9);
    }
    const missing = await pullRequestRun({ ...openaiInputs(), prices: "nope.json" }, { workspace: root });
    expect(missing.stdout).toContain('input "prices" = "nope.json": no such file where the rubrics are read');
    expect(hub.violations).toEqual([]);
  });

  it("300 changed files and 200 failing criteria: at most 50 annotations a request, all of them arrive, the summary fits", async () => {
    const files: Record<string, string> = { "rubrics/guide.md": HEAD_RUBRIC };
    const pullFiles = [];
    for (let i = 0; i < 300; i++) {
      const path = `docs/page-${String(i).padStart(3, "0")}.md`;
      files[path] =
        i < 200 ? `# Page ${i}\n\n## Install\n\nTODO: page ${i}\n` : `# Page ${i}\n\n## Install\n`;
      pullFiles.push({ filename: path, status: "added" as const });
    }
    const ws = await makeWorkspace(files);
    cleanups.push(() => ws.cleanup());
    github = await startGitHubServer({
      owner: OWNER,
      repo: REPO,
      headSha: HEAD_SHA,
      pullFiles: { 2: pullFiles },
      contentsAt: {
        [BASE_SHA]: {
          "rubrics/guide.md": BASE_RUBRIC.replace("- [advisory] Links to the README. {#links}\n", ""),
        },
      },
    });
    models = await startModelServer(judge);
    const run = await pullRequestRun(
      { ...openaiInputs(), concurrency: "16", comment: "false" },
      { workspace: ws.root },
    );
    expect(github.violations).toEqual([]);
    expect(run.code, run.stderr).toBe(1);
    expect(models.requests).toHaveLength(300);
    const writes = github.requests.filter(
      (r) => r.operationId === "checks/create" || r.operationId === "checks/update",
    );
    const perRequest = writes.map(
      (r) => ((r.body as { output?: { annotations?: unknown[] } }).output?.annotations ?? []).length,
    );
    expect(Math.max(...perRequest)).toBeLessThanOrEqual(50);
    expect(perRequest.reduce((a, b) => a + b, 0)).toBe(200);
    const check = github.state.checkRuns[0]!;
    expect(check.annotations).toHaveLength(200);
    expect(new Set(check.annotations.map((a) => a.path)).size).toBe(200);
    expect(check.output?.summary?.length).toBeLessThanOrEqual(65_535);
    expect(check.conclusion).toBe("failure");
    expect(run.outputs["files-graded"]).toBe("300");
  }, 120_000);

  it("a fork PR without keys: neutral check that says what to configure, no model call", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": HEAD_RUBRIC, "docs/guide.md": GUIDE });
    cleanups.push(() => ws.cleanup());
    github = await startGitHubServer({ owner: OWNER, repo: REPO, headSha: HEAD_SHA, pullFiles: { 2: [] } });
    models = await startModelServer(judge);
    const run = await pullRequestRun(
      { judge: "openai:gpt-4.1", "openai-base-url": models.openaiBaseURL },
      { fork: true, workspace: ws.root },
    );
    expect(run.code).toBe(0);
    expect(models.requests).toHaveLength(0);
    const check = github.state.checkRuns[0]!;
    expect(check.conclusion).toBe("neutral");
    expect(check.output?.summary).toContain("fork");
    expect(run.outputs["result"]).toBe("skipped");
    expect(github.violations).toEqual([]);
  });

  it("no key on a same-repository PR: neutral, and the summary names the input to set", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": HEAD_RUBRIC, "docs/guide.md": GUIDE });
    cleanups.push(() => ws.cleanup());
    github = await startGitHubServer({ owner: OWNER, repo: REPO, headSha: HEAD_SHA, pullFiles: { 2: [] } });
    models = await startModelServer(judge);
    const run = await pullRequestRun({ judge: "anthropic:claude-sonnet-4-6" }, { workspace: ws.root });
    expect(run.code).toBe(0);
    expect(models.requests).toHaveLength(0);
    expect(github.state.checkRuns[0]?.conclusion).toBe("neutral");
    expect(github.state.checkRuns[0]?.output?.summary).toContain("anthropic-api-key");
    expect(run.summary).toContain("ANTHROPIC_API_KEY");
  });

  it.each([
    ["failure", "failure", 1],
    ["neutral", "neutral", 0],
  ] as const)(
    "judge unavailable with on-grader-error %s: the check is %s, never success",
    async (policy, conclusion, code) => {
      const { root, hub, llm } = await guideWorld({}, () => ({
        status: 503,
        error: { message: "overloaded" },
      }));
      const run = await pullRequestRun({ ...openaiInputs(), "on-grader-error": policy }, { workspace: root });
      expect(run.code).toBe(code);
      expect(hub.state.checkRuns[0]?.conclusion).toBe(conclusion);
      expect(run.outputs["result"]).toBe("error");
      const report = JSON.parse(run.outputs["report"] ?? "null") as Report;
      expect(report.files[0]?.result).toBe("grader_error");
      expect(llm.requests.length).toBeGreaterThan(1); // 5xx is retried, within bounds
      expect(llm.requests.length).toBeLessThanOrEqual(4);
    },
    60_000,
  );
});

describe("judge panel, samples and the verdict cache", () => {
  it("a two-judge panel with judge-samples 3 asks six times; cache-dir makes the rerun free", async () => {
    const { root, hub, llm } = await guideWorld();
    const inputs = {
      ...openaiInputs(),
      judge: "openai:gpt-4.1\nopenai:gpt-4.1-mini",
      "judge-samples": "3",
      "cache-dir": ".rubric-gate/cache",
    };
    const first = await pullRequestRun(inputs, { workspace: root });
    expect(first.code, first.stderr).toBe(1);
    const models1 = llm.requests.map((r) => (r.body as { model: string }).model);
    expect(models1.filter((m) => m === "gpt-4.1")).toHaveLength(3);
    expect(models1.filter((m) => m === "gpt-4.1-mini")).toHaveLength(3);
    const report = JSON.parse(first.outputs["report"] ?? "null") as Report;
    expect(report.files[0]?.iterations[0]?.verdicts["no-todo"]?.votes).toEqual({ pass: 0, fail: 6 });

    const second = await pullRequestRun(inputs, { workspace: root });
    expect(second.code).toBe(1);
    expect(llm.requests).toHaveLength(6);
    const cached = JSON.parse(second.outputs["report"] ?? "null") as Report;
    expect(cached.files[0]?.iterations[0]?.cached).toBe(true);
    expect(hub.state.checkRuns.at(-1)?.conclusion).toBe("failure");
  });
});

describe("model options", () => {
  it("judge-effort and judge-temperature reach the judge; openai-responses: goes to the Responses API", async () => {
    const { root, llm } = await guideWorld();
    const run = await pullRequestRun(
      {
        ...openaiInputs(),
        judge: "openai-responses:gpt-4.1",
        "judge-effort": "low",
        "judge-temperature": "0",
      },
      { workspace: root },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(llm.requests.map((r) => r.path)).toEqual(["/v1/responses"]);
    expect(llm.requests[0]?.body).toMatchObject({ reasoning: { effort: "low" }, temperature: 0 });
  });

  it("a bad judge-effort is named with the values it takes, and nothing is graded", async () => {
    const { root, llm } = await guideWorld();
    const run = await pullRequestRun({ ...openaiInputs(), "judge-effort": "extreme" }, { workspace: root });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::.*judge-effort.*"extreme".*none, minimal, low, medium, high, xhigh, max/,
    );
    expect(llm.requests).toHaveLength(0);
  });
});

describe("without checks: write", () => {
  it("writes workflow-command annotations and says so in the job summary", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": HEAD_RUBRIC, "docs/guide.md": GUIDE });
    cleanups.push(() => ws.cleanup());
    github = await startGitHubServer({
      owner: OWNER,
      repo: REPO,
      headSha: HEAD_SHA,
      checksWritable: false,
      pullFiles: { 2: [{ filename: "docs/guide.md", status: "modified" }] },
      contentsAt: { [BASE_SHA]: { "rubrics/guide.md": BASE_RUBRIC } },
    });
    models = await startModelServer(judge);
    const run = await pullRequestRun(openaiInputs(), { workspace: ws.root });
    expect(run.code).toBe(1);
    expect(github.state.checkRuns).toHaveLength(0);
    expect(run.stdout).toMatch(/::error (?=.*file=docs\/guide\.md)(?=.*line=7).*A TODO is left/);
    expect(run.summary).toContain("checks: write");
    expect(github.violations).toEqual([]);
  });
});

describe("schedule", () => {
  it("keeps one rolling issue: created, updated in place, closed when everything passes", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": BASE_RUBRIC,
      "docs/guide.md": GUIDE,
      "docs/ok.md": "# Ok\n\n## Install\n",
    });
    cleanups.push(() => ws.cleanup());
    github = await startGitHubServer({ owner: OWNER, repo: REPO });
    models = await startModelServer(judge);
    const scheduled = () =>
      runAction({
        eventName: "schedule",
        payload: { schedule: "17 3 * * 1" },
        repository: `${OWNER}/${REPO}`,
        sha: HEAD_SHA,
        workspace: ws.root,
        apiUrl: github!.url,
        inputs: openaiInputs(),
      });
    const first = await scheduled();
    expect(first.code).toBe(1);
    const issues = () => github!.state.issues.filter((i) => !i.is_pull_request);
    expect(issues()).toHaveLength(1);
    expect(issues()[0]?.state).toBe("open");
    expect(issues()[0]?.body).toContain("docs/guide.md");
    expect(issues()[0]?.body).not.toContain("docs/ok.md");
    const number = issues()[0]?.number;

    const second = await scheduled();
    expect(second.code).toBe(1);
    expect(issues()).toHaveLength(1);
    expect(issues()[0]?.number).toBe(number);
    expect(github.requests.filter((r) => r.operationId === "issues/update")).toHaveLength(1);

    await ws.cleanup();
    const fixed = await makeWorkspace({
      "rubrics/guide.md": BASE_RUBRIC,
      "docs/guide.md": "# Guide\n\n## Install\n\nREADME\n",
    });
    cleanups.push(() => fixed.cleanup());
    const third = await runAction({
      eventName: "schedule",
      payload: { schedule: "17 3 * * 1" },
      repository: `${OWNER}/${REPO}`,
      sha: HEAD_SHA,
      workspace: fixed.root,
      apiUrl: github.url,
      inputs: openaiInputs(),
    });
    expect(third.code).toBe(0);
    expect(issues()).toHaveLength(1);
    expect(issues()[0]?.state).toBe("closed");
    expect(github.state.checkRuns.at(-1)?.conclusion).toBe("success");
    expect(github.violations).toEqual([]);
  }, 60_000);
});
