import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createGitHubApi, isLoopbackApi } from "../../src/github/octokit.js";
import { type GitHubApi } from "../../src/ports/github.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const repo = { owner: "acme", repo: "docs" };

let server: GitHubServer;
let warnings: string[];
let api: GitHubApi;

beforeEach(async () => {
  server = await startGitHubServer({ ...repo, pullFiles: { 3: [{ filename: "docs/a.md" }] } });
  warnings = [];
  // retry-after seconds become milliseconds, so the test does not wait.
  api = createGitHubApi("test-token", {
    baseUrl: server.url,
    retryAfterBaseValue: 1,
    retries: 0,
    log: { debug: () => undefined, warning: (message) => warnings.push(message) },
  });
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
});

const secondaryLimit = (retryAfter: number) => ({
  status: 403,
  headers: { "retry-after": String(retryAfter) },
  body: {
    message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  },
});

describe("createGitHubApi", () => {
  it("uses GITHUB_API_URL when no base URL is given, and sends the token", async () => {
    vi.stubEnv("GITHUB_API_URL", server.url);
    const fromEnv = createGitHubApi("test-token", {
      log: { debug: () => undefined, warning: () => undefined },
    });
    expect(await fromEnv.listPullRequestFiles(repo, 3)).toEqual([
      { filename: "docs/a.md", status: "modified" },
    ]);
    expect(server.requests.map((r) => r.authorization)).toEqual(["token test-token"]);
  });

  it("retries a primary rate limit after the reset, logging a warning", async () => {
    server.failNext("pulls/list-files", {
      status: 403,
      headers: {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 5),
      },
      body: { message: "API rate limit exceeded for installation ID 1." },
    });
    expect(await api.listPullRequestFiles(repo, 3)).toHaveLength(1);
    expect(server.requests.map((r) => r.status)).toEqual([403, 200]);
    expect(warnings).toEqual([
      expect.stringMatching(/^GitHub primary rate limit on GET .*: retrying in \d+s \(retry 1 of 2\)$/),
    ]);
  });

  it("retries a secondary rate limit at most twice", async () => {
    server.failNext("pulls/list-files", { ...secondaryLimit(2), times: 3 });
    await expect(api.listPullRequestFiles(repo, 3)).rejects.toMatchObject({ status: 403 });
    expect(server.requests.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(warnings.at(-1)).toMatch(/secondary rate limit .* giving up/);
  });

  it("does not wait when GitHub asks for more than a minute", async () => {
    server.failNext("pulls/list-files", secondaryLimit(600));
    await expect(api.listPullRequestFiles(repo, 3)).rejects.toMatchObject({ status: 403 });
    expect(server.requests).toHaveLength(1);
  });

  it("retries a server error", async () => {
    const retrying = createGitHubApi("test-token", {
      baseUrl: server.url,
      retries: 1,
      log: { debug: () => undefined, warning: () => undefined },
    });
    server.failNext("pulls/list-files", { status: 502, body: { message: "Server Error" } });
    expect(await retrying.listPullRequestFiles(repo, 3)).toHaveLength(1);
    expect(server.requests.map((r) => r.status)).toEqual([502, 200]);
  });
});

describe("isLoopbackApi", () => {
  it.each([
    ["http://127.0.0.1:4000", true],
    ["http://127.5.0.1/api/v3", true],
    ["http://localhost:3000", true],
    ["http://[::1]:8080", true],
    ["https://api.github.com", false],
    ["https://ghe.example.com/api/v3", false],
    ["http://127.0.0.1.example.com", false],
    ["not a url", false],
  ])("%s → %s (writes are spaced unless the API is on this machine)", (url, loopback) => {
    expect(isLoopbackApi(url)).toBe(loopback);
  });
});
