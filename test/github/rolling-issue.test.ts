import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubApi } from "../../src/github/octokit.js";
import { type GitHubApi } from "../../src/ports/github.js";
import { ROLLING_LABEL, ROLLING_MARKER, syncRollingIssue } from "../../src/github/rolling-issue.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { file, report } from "../support/report-builder.js";

const quiet = { debug: () => undefined, warning: () => undefined };
const repo = { owner: "acme", repo: "docs" };
const runUrl = "https://github.com/acme/docs/actions/runs/42";

let server: GitHubServer;
let api: GitHubApi;

beforeEach(async () => {
  // A pull request and an unrelated issue carry the label too; neither is the rolling issue.
  server = await startGitHubServer({ ...repo, pullFiles: { 1: [] } });
  server.state.issues[0]?.labels.push(ROLLING_LABEL);
  server.addIssue({
    title: "Discuss rubric wording",
    body: "Not the rolling issue",
    labels: [ROLLING_LABEL],
  });
  api = createGitHubApi("test-token", { baseUrl: server.url, log: quiet });
});
afterEach(async () => {
  await server.close();
});

const failingRun = (paths: string[]): ReturnType<typeof report> =>
  report([
    ...paths.map((path) =>
      file({ path, verdicts: { purpose: "fail", "names-audience": "fail", example: "pass" } }),
    ),
    file({ path: "docs/fine.md", verdicts: { purpose: "pass" } }),
  ]);
const passingRun = report([file({ path: "docs/fine.md", verdicts: { purpose: "pass" } })]);

function rollingIssues(): typeof server.state.issues {
  return server.state.issues.filter((issue) => issue.body?.startsWith(ROLLING_MARKER));
}

describe("rolling issue for scheduled runs", () => {
  it("is created on failure, updated in place, closed with a comment once everything passes", async () => {
    const created = await syncRollingIssue(api, {
      repo,
      report: failingRun(["docs/a.md", "docs/b.md"]),
      runUrl,
      sha: "abc123",
    });
    expect(created.action).toBe("created");
    expect(rollingIssues()).toHaveLength(1);
    const issue = rollingIssues()[0];
    expect(issue?.title).toBe("rubric-gate: 2 files fail their rubrics");
    expect(issue?.labels).toEqual([ROLLING_LABEL]);
    expect(issue?.body).toContain(
      "| docs/a.md | rubrics/docs.md | ❌ needs revision | 33% | purpose, names-audience |",
    );
    expect(issue?.body).toContain("[run](https://github.com/acme/docs/actions/runs/42)");
    expect(issue?.body).not.toContain("docs/fine.md");

    const updated = await syncRollingIssue(api, { repo, report: failingRun(["docs/b.md"]), runUrl });
    expect(updated).toMatchObject({ action: "updated", number: created.number });
    expect(rollingIssues()).toHaveLength(1);
    expect(issue?.title).toBe("rubric-gate: 1 file fails its rubric");
    expect(issue?.body).not.toContain("docs/a.md");

    const closed = await syncRollingIssue(api, { repo, report: passingRun, runUrl });
    expect(closed).toMatchObject({ action: "closed", number: created.number });
    expect(issue?.state).toBe("closed");
    expect(issue?.state_reason).toBe("completed");
    const comments = server.state.issueComments.filter((c) => c.issue_number === created.number);
    expect(comments.map((c) => c.body)).toEqual([
      expect.stringMatching(/^Every graded file satisfies its rubric/),
    ]);

    // Passing again: nothing to do, and no new issue.
    expect((await syncRollingIssue(api, { repo, report: passingRun })).action).toBe("none");
    expect(rollingIssues()).toHaveLength(1);
    // The unrelated labelled issue and the pull request were left alone.
    expect(server.state.issues.filter((i) => i.state === "open")).toHaveLength(2);
    expect(server.requests.filter((r) => r.operationId === "issues/create")).toHaveLength(1);
    expect(server.violations).toEqual([]);
    expect(server.responseViolations).toEqual([]);
  });

  it("does nothing when nothing failed and no issue is open, or when nothing was graded", async () => {
    expect(await syncRollingIssue(api, { repo, report: passingRun })).toEqual({
      action: "none",
      number: null,
      url: null,
    });
    const skippedOnly = report([
      file({ path: "docs/a.md", result: "skipped", reason: "no judge configured" }),
    ]);
    expect((await syncRollingIssue(api, { repo, report: skippedOnly })).action).toBe("none");
    expect(server.requests.map((r) => r.operationId)).toEqual([
      "issues/list-for-repo",
      "issues/list-for-repo",
    ]);
    expect(server.requests[0]?.query).toMatchObject({ labels: ROLLING_LABEL, state: "open" });
  });
});
