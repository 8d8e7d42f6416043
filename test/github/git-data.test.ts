// The Git Data API adapter against the fake GitHub, whose git endpoints are a real bare repository.
import { afterEach, describe, expect, it } from "vitest";
import { gitBlobSha } from "../../src/git/blob.js";
import { createGitRemote } from "../../src/github/git-data.js";
import { createOctokit } from "../../src/github/octokit.js";
import { createGitFixture, type GitFixture } from "../support/git-repo.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const quiet = { debug: () => undefined, warning: () => undefined };
let server: GitHubServer | undefined;
let fixture: GitFixture | undefined;
afterEach(async () => {
  await server?.close();
  fixture?.cleanup();
  server = undefined;
  fixture = undefined;
});

async function setup() {
  fixture = createGitFixture({ "docs/a.md": "# A\n", "bin/run.sh": "#!/bin/sh\n" });
  server = await startGitHubServer({ owner: "o", repo: "r", gitDir: fixture.bare });
  const octokit = createOctokit("test-token", { baseUrl: server.url, log: quiet, retries: 0 });
  return { git: createGitRemote(octokit, { owner: "o", repo: "r" }), fixture, server };
}

describe("createGitRemote", () => {
  it("reads commits and trees, writes a commit and fast-forwards a branch to it", async () => {
    const { git, fixture, server } = await setup();
    const main = fixture.head("refs/heads/main")!;
    expect(await git.branchHead("main")).toBe(main);
    expect(await git.branchHead("nope")).toBeNull();
    const head = await git.readCommit(main);
    expect(head.message).toBe("Initial commit\n");
    const files = await git.listFiles(main);
    expect(files.get("docs/a.md")?.sha).toBe(gitBlobSha(new TextEncoder().encode("# A\n")));

    const tree = await git.writeTree(head.tree, [
      { path: "docs/a.md", mode: "100644", content: new TextEncoder().encode("# A\n\nMore.\n") },
    ]);
    const sha = await git.writeCommit({ message: "Revise\n", tree, parents: [main] });
    expect(await git.fastForward("main", sha)).toEqual({ ok: true });
    expect(fixture.head("refs/heads/main")).toBe(sha);
    expect(fixture.show("main", "docs/a.md")).toBe("# A\n\nMore.\n");
    // Only the written file changed; the other keeps its blob.
    expect(fixture.git(["diff", "--name-only", main, sha]).trim()).toBe("docs/a.md");
    expect(server.violations).toEqual([]);
    expect(server.responseViolations).toEqual([]);
  });

  it("refuses a fast-forward over a commit pushed meanwhile, and leaves that commit in place", async () => {
    const { git, fixture, server } = await setup();
    const main = fixture.head("refs/heads/main")!;
    const head = await git.readCommit(main);
    const tree = await git.writeTree(head.tree, [
      { path: "docs/a.md", mode: "100644", content: new TextEncoder().encode("# A, revised\n") },
    ]);
    const ours = await git.writeCommit({ message: "Revise\n", tree, parents: [main] });
    const human = fixture.commit("main", { "docs/b.md": "# B\n" }, "Human work");

    const update = await git.fastForward("main", ours);
    expect(update.ok).toBe(false);
    expect(!update.ok && update.reason).toMatch(/HTTP 422.*not a fast forward/);
    expect(fixture.head("refs/heads/main")).toBe(human);
    expect(server.requests.find((r) => r.operationId === "git/update-ref")?.body).toEqual({
      sha: ours,
      force: false,
    });
    // GitHub's refusal is an answer, not a malformed request.
    expect(server.violations).toEqual([]);
  });

  it("creates, force-updates and deletes a branch", async () => {
    const { git, fixture } = await setup();
    const main = fixture.head("refs/heads/main")!;
    expect(await git.createBranch("rubric-gate/revisions", main)).toEqual({ ok: true });
    expect((await git.createBranch("rubric-gate/revisions", main)).ok).toBe(false);
    const other = fixture.commit("side", { "x.md": "x\n" }, "Unrelated history", "main");
    expect((await git.fastForward("rubric-gate/revisions", fixture.head("refs/heads/main")!)).ok).toBe(true);
    expect(await git.forceUpdate("rubric-gate/revisions", other)).toEqual({ ok: true });
    expect(fixture.head("refs/heads/rubric-gate/revisions")).toBe(other);
    expect(await git.deleteBranch("rubric-gate/revisions")).toEqual({ ok: true });
    expect(fixture.head("refs/heads/rubric-gate/revisions")).toBeNull();
  });
});
