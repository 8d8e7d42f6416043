import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  COMMENT_BODY_LIMIT,
  STICKY_MARKER,
  findStickyComment,
  upsertStickyComment,
} from "../../src/github/comment.js";
import { createGitHubApi } from "../../src/github/octokit.js";
import { type GitHubApi } from "../../src/ports/github.js";
import { HUMAN, startGitHubServer, type GitHubServer } from "../support/github-server.js";

const quiet = { debug: () => undefined, warning: () => undefined };
const repo = { owner: "acme", repo: "docs" };

let server: GitHubServer;
let api: GitHubApi;

beforeEach(async () => {
  server = await startGitHubServer({ ...repo, pullFiles: { 12: [{ filename: "docs/a.md" }] } });
  api = createGitHubApi("test-token", { baseUrl: server.url, log: quiet });
});
afterEach(async () => {
  await server.close();
});

describe("sticky PR comment", () => {
  it("is created once, then updated in place across runs (found past the first page of comments)", async () => {
    // A busy PR: 130 comments, one of them a person quoting the marker.
    for (let i = 0; i < 60; i += 1) server.addIssueComment(12, `comment ${i}`);
    server.addIssueComment(12, `${STICKY_MARKER}\nI copied the bot's marker`, HUMAN);
    for (let i = 0; i < 69; i += 1) server.addIssueComment(12, `more ${i}`);

    const first = await upsertStickyComment(api, {
      repo,
      issueNumber: 12,
      body: "### rubric-gate: ❌ gate failed",
    });
    const second = await upsertStickyComment(api, {
      repo,
      issueNumber: 12,
      body: "### rubric-gate: ✅ gate passed",
    });
    const third = await upsertStickyComment(api, {
      repo,
      issueNumber: 12,
      body: "### rubric-gate: ✅ gate passed",
    });

    expect(first.action).toBe("created");
    expect(second).toMatchObject({ action: "updated", id: first.id });
    expect(third).toMatchObject({ action: "unchanged", id: first.id });
    const ours = server.state.issueComments.filter((c) => c.user.type === "Bot");
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).toBe(`${STICKY_MARKER}\n### rubric-gate: ✅ gate passed`);
    expect(
      server.state.issueComments.find((c) => c.user.login === HUMAN.login && c.body.includes("copied"))?.body,
    ).toContain("I copied");
    const lists = server.requests.filter((r) => r.operationId === "issues/list-comments");
    expect(lists.map((r) => r.query["page"] ?? "1")).toEqual(["1", "2", "1", "2", "1", "2"]);
    expect(server.violations).toEqual([]);
    expect(server.responseViolations).toEqual([]);
  });

  it("caps a huge body under GitHub's limit", async () => {
    const result = await upsertStickyComment(api, { repo, issueNumber: 12, body: "x".repeat(200_000) });
    const stored = server.state.issueComments.find((c) => c.id === result.id);
    expect(stored?.body.length).toBeLessThan(COMMENT_BODY_LIMIT);
    expect(stored?.body.startsWith(STICKY_MARKER)).toBe(true);
    expect(stored?.body).toMatch(/comment truncated/);
    expect(server.violations).toEqual([]);
  });
});

describe("findStickyComment", () => {
  const bot = { login: "github-actions[bot]", type: "Bot" };
  const app = { login: "docs-app[bot]", type: "Bot" };
  it("matches the marker at the start, by a bot or by the given author", () => {
    const comments = [
      { id: 1, body: `see ${STICKY_MARKER}`, html_url: "", user: bot },
      { id: 2, body: `${STICKY_MARKER}\nhi`, html_url: "", user: { login: "octocat", type: "User" } },
      { id: 3, body: `${STICKY_MARKER}\nold`, html_url: "", user: app },
      { id: 4, body: `\n${STICKY_MARKER}\nnew`, html_url: "", user: bot },
    ];
    expect(findStickyComment(comments)?.id).toBe(3);
    expect(findStickyComment(comments, STICKY_MARKER, "github-actions[bot]")?.id).toBe(4);
    expect(findStickyComment(comments, STICKY_MARKER, "octocat")?.id).toBe(2);
    expect(findStickyComment(comments, "<!-- other -->")).toBeUndefined();
  });
});
