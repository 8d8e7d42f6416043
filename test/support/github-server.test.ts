import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOctokit, createGitHubApi, type Octokit } from "../../src/github/octokit.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const quiet = { debug: () => undefined, warning: () => undefined };
const repo = { owner: "acme", repo: "docs" };

let server: GitHubServer;
let octokit: Octokit;

beforeEach(async () => {
  server = await startGitHubServer({
    ...repo,
    pullFiles: {
      7: [
        { filename: "docs/a.md", status: "modified", patch: "@@ -1,2 +1,3 @@\n # Title\n-old\n+new\n+more" },
      ],
    },
    refs: { main: "1111111111111111111111111111111111111111" },
    contents: { "rubrics/docs.md": "---\nfiles: [docs/**]\n---\n- It says what it is for.\n" },
  });
  octokit = createOctokit("test-token", { baseUrl: server.url, log: quiet, retries: 0 });
});

afterEach(async () => {
  await server.close();
});

describe("the fake GitHub validates requests against the OpenAPI description", () => {
  it("rejects an annotation without `path` with 422 and records the violation", async () => {
    const request = octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      ...repo,
      name: "rubric-gate",
      head_sha: "abc",
      output: {
        title: "t",
        summary: "s",
        // Deliberately malformed: GitHub requires `path` on every annotation.
        annotations: [{ start_line: 1, end_line: 1, annotation_level: "failure", message: "m" }],
      },
    } as never);
    await expect(request).rejects.toMatchObject({ status: 422 });
    expect(server.violations).toHaveLength(1);
    expect(server.violations[0]?.operationId).toBe("checks/create");
    expect(server.violations[0]?.errors.join("\n")).toMatch(/annotations\/0.*path/);
    expect(server.state.checkRuns).toHaveLength(0);
  });

  it("rejects an unknown conclusion", async () => {
    const { data } = await octokit.rest.checks.create({ ...repo, name: "rubric-gate", head_sha: "abc" });
    const request = octokit.rest.checks.update({
      ...repo,
      check_run_id: data.id,
      conclusion: "passed" as "success",
    });
    await expect(request).rejects.toMatchObject({ status: 422 });
    expect(server.violations.map((v) => v.errors.join())).toEqual([
      expect.stringMatching(/^body\/conclusion must be equal to one of the allowed values/),
    ]);
  });

  it("rejects more than 50 annotations in one request, and a path parameter of the wrong type", async () => {
    const annotation = {
      path: "a.md",
      start_line: 1,
      end_line: 1,
      annotation_level: "warning" as const,
      message: "m",
    };
    await expect(
      octokit.rest.checks.create({
        ...repo,
        name: "x",
        head_sha: "abc",
        output: { title: "t", summary: "s", annotations: Array.from({ length: 51 }, () => annotation) },
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(octokit.request("GET /repos/acme/docs/issues/not-a-number/comments")).rejects.toMatchObject({
      status: 422,
    });
    expect(server.violations).toHaveLength(2);
    expect(server.violations[1]?.errors.join()).toMatch(/path\/issue_number must be integer/);
  });

  it("rejects unknown query parameters and answers 404 when no operation matches", async () => {
    await expect(octokit.request("GET /repos/acme/docs/pulls/7/files?perpage=100")).rejects.toMatchObject({
      status: 422,
    });
    await expect(octokit.request("GET /repos/acme/docs/no-such-thing")).rejects.toMatchObject({
      status: 404,
    });
    expect(server.violations.map((v) => v.errors[0])).toEqual([
      'query: unknown parameter "perpage"',
      "no operation of the OpenAPI description matches GET /repos/acme/docs/no-such-thing",
    ]);
  });

  it("rejects a review comment on a line outside the diff, like GitHub", async () => {
    const review = octokit.rest.pulls.createReview({
      ...repo,
      pull_number: 7,
      event: "COMMENT",
      comments: [{ path: "docs/a.md", line: 40, body: "```suggestion\nx\n```" }],
    });
    await expect(review).rejects.toMatchObject({ status: 422 });
    expect(server.violations[0]?.errors).toEqual(["Line could not be resolved: docs/a.md:40"]);
  });

  it("accepts conforming requests, answers in GitHub's shapes and counts the rate limit down", async () => {
    const created = await octokit.rest.checks.create({
      ...repo,
      name: "rubric-gate",
      head_sha: "abc",
      status: "in_progress",
    });
    expect(created.status).toBe(201);
    expect(Number(created.headers["x-ratelimit-remaining"])).toBeLessThan(5000);
    await octokit.rest.checks.listForRef({ ...repo, ref: "abc", check_name: "rubric-gate" });
    const review = await octokit.rest.pulls.createReview({
      ...repo,
      pull_number: 7,
      comments: [{ path: "docs/a.md", line: 3, start_line: 2, body: "```suggestion\nnew\nmore\n```" }],
    });
    expect(review.data.state).toBe("PENDING");
    await octokit.rest.pulls.listReviews({ ...repo, pull_number: 7 });
    await octokit.rest.pulls.listReviewComments({ ...repo, pull_number: 7 });
    await octokit.rest.pulls.listCommentsForReview({ ...repo, pull_number: 7, review_id: review.data.id });
    await octokit.rest.pulls.deletePendingReview({ ...repo, pull_number: 7, review_id: review.data.id });
    expect(server.state.reviews).toHaveLength(0);
    const ref = await octokit.rest.git.getRef({ ...repo, ref: "heads/main" });
    expect(ref.data.object.sha).toBe("1".repeat(40));
    const content = await octokit.rest.repos.getContent({ ...repo, path: "rubrics/docs.md" });
    expect("content" in content.data && Buffer.from(content.data.content, "base64").toString()).toContain(
      "files:",
    );
    const api = createGitHubApi("test-token", { baseUrl: server.url, log: quiet });
    const issue = await api.createIssue(repo, { title: "t", body: "b", labels: ["rubric-gate"] });
    await api.createIssueComment(repo, issue.number, "hello");
    await api.listIssueComments(repo, issue.number);
    await api.listOpenIssues(repo, ["rubric-gate"]);
    expect(server.violations).toEqual([]);
    expect(server.responseViolations).toEqual([]);
    expect(server.requests.map((r) => r.operationId)).toContain("pulls/create-review");
  });
});
