import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { EventPayloadError, listChangedFiles, parseEvent } from "../../src/github/event.js";
import { createGitHubApi } from "../../src/github/octokit.js";
import { startGitHubServer, type GitHubServer, type SeedPullFile } from "../support/github-server.js";

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const definitions = require("@octokit/webhooks-examples") as WebhookDefinition[];

function example(name: string, action?: string): Record<string, unknown> {
  const found = definitions
    .find((d) => d.name === name)
    ?.examples.find((e) => action === undefined || e["action"] === action);
  if (found === undefined)
    throw new Error(`no ${name} ${action ?? ""} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

describe("parseEvent with real webhook payloads", () => {
  it.each(["opened", "synchronize"])("reads a pull_request %s payload", (action) => {
    const payload = example("pull_request", action);
    expect(parseEvent({ eventName: "pull_request", payload })).toEqual({
      kind: "pull_request",
      eventName: "pull_request",
      number: 2,
      baseSha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
      baseRef: "master",
      headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      headRef: "changes",
      headRepoFullName: "Codertocat/Hello-World",
      isFork: false,
    });
  });

  it("flags a fork, and a pull request whose fork was deleted", () => {
    const payload = example("pull_request", "opened") as { pull_request: { head: { repo: unknown } } };
    payload.pull_request.head.repo = { full_name: "mallory/Hello-World" };
    expect(parseEvent({ eventName: "pull_request", payload })).toMatchObject({
      isFork: true,
      headRepoFullName: "mallory/Hello-World",
    });
    payload.pull_request.head.repo = null;
    expect(parseEvent({ eventName: "pull_request", payload })).toMatchObject({
      isFork: true,
      headRepoFullName: null,
    });
  });

  it("grades everything on push, schedule and workflow_dispatch", () => {
    const push = example("push");
    expect(parseEvent({ eventName: "push", payload: push, sha: "ignored" })).toEqual({
      kind: "full",
      eventName: "push",
      sha: push["after"],
      ref: push["ref"],
    });
    expect(
      parseEvent({
        eventName: "schedule",
        payload: { schedule: "0 3 * * 1" },
        sha: "abc",
        ref: "refs/heads/main",
      }),
    ).toEqual({ kind: "full", eventName: "schedule", sha: "abc", ref: "refs/heads/main" });
    expect(
      parseEvent({ eventName: "workflow_dispatch", payload: example("workflow_dispatch"), sha: "def" }),
    ).toMatchObject({
      kind: "full",
      sha: "def",
    });
  });

  it("refuses other events, a deleted branch, and a malformed pull_request payload", () => {
    expect(parseEvent({ eventName: "issue_comment", payload: example("issue_comment") }).kind).toBe(
      "unsupported",
    );
    expect(parseEvent({ eventName: "push", payload: { ...example("push"), deleted: true } }).kind).toBe(
      "unsupported",
    );
    expect(() => parseEvent({ eventName: "pull_request", payload: { number: 3 } })).toThrow(
      EventPayloadError,
    );
    expect(() => parseEvent({ eventName: "schedule", payload: {} })).toThrow(/GITHUB_SHA/);
  });
});

describe("listChangedFiles", () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("pages through the pull request's files, keeps renames under their new name and drops removals", async () => {
    const files: SeedPullFile[] = Array.from({ length: 250 }, (_, i) => ({
      filename: `docs/page-${i}.md`,
      status: "modified",
      patch: `@@ -1 +1 @@\n-a\n+b${i}`,
    }));
    files[120] = { filename: "docs/new-name.md", status: "renamed", previous_filename: "docs/old-name.md" };
    files[220] = { filename: "docs/gone.md", status: "removed" };
    files[230] = { filename: "docs/added.md", status: "added" };
    server = await startGitHubServer({ owner: "acme", repo: "docs", pullFiles: { 5: files } });
    const api = createGitHubApi("test-token", { baseUrl: server.url });

    const changed = await listChangedFiles(api, "acme", "docs", 5);

    expect(changed).toHaveLength(249);
    expect(changed.map((f) => f.path)).not.toContain("docs/gone.md");
    expect(changed.find((f) => f.path === "docs/new-name.md")).toEqual({
      path: "docs/new-name.md",
      status: "renamed",
      previousPath: "docs/old-name.md",
    });
    expect(changed[0]).toEqual({ path: "docs/page-0.md", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b0" });
    const pages = server.requests.filter((r) => r.operationId === "pulls/list-files");
    expect(pages.map((r) => [r.query["per_page"], r.query["page"] ?? "1"])).toEqual([
      ["100", "1"],
      ["100", "2"],
      ["100", "3"],
    ]);
    expect(server.violations).toEqual([]);
    expect(server.responseViolations).toEqual([]);
  });

  it("gets no more than GitHub's 3,000 files", async () => {
    const files = Array.from({ length: 3_050 }, (_, i) => ({ filename: `f${i}.md` }));
    server = await startGitHubServer({
      owner: "acme",
      repo: "docs",
      pullFiles: { 9: files },
      validateResponses: false,
    });
    const api = createGitHubApi("test-token", { baseUrl: server.url });
    expect(await listChangedFiles(api, "acme", "docs", 9)).toHaveLength(3_000);
  });
});
