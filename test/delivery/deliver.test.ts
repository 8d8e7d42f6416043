// Delivery in-process against the fake GitHub backed by a real bare repository: the safety rules are
// applied again at delivery time (here fed revisions the outcome loop would never let through).
import { afterEach, describe, expect, it } from "vitest";
import { deliverRevisions } from "../../src/delivery/deliver.js";
import type { RunResult } from "../../src/engine/run.js";
import { createGitRemote } from "../../src/github/git-data.js";
import { createOctokit, gitHubApiFrom } from "../../src/github/octokit.js";
import type { Report } from "../../src/report/schema.js";
import { createGitFixture, type GitFixture } from "../support/git-repo.js";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";
import { file, report } from "../support/report-builder.js";

const quiet = { debug: () => undefined, warning: () => undefined };
const repo = { owner: "o", repo: "r" };
let server: GitHubServer | undefined;
let fixture: GitFixture | undefined;
afterEach(async () => {
  await server?.close();
  fixture?.cleanup();
  server = undefined;
  fixture = undefined;
});

const DOC = "# Doc\n\nA paragraph that is long enough to be a document of some sort.\n".repeat(5);

/** A report in which each path was revised (original fails `no-todo`, the revision passes). */
function revisedReport(paths: string[]): Report {
  return report(
    paths.map((path) =>
      file({
        path,
        rubric: "rubrics/docs.md",
        iterations: [{ verdicts: { "no-todo": "fail" } }, { verdicts: { "no-todo": "pass" } }],
        result: "satisfied",
      }),
    ),
  );
}

async function setup(base: Record<string, string>, head: Record<string, string>) {
  fixture = createGitFixture(base);
  const baseSha = fixture.head("refs/heads/main")!;
  const headSha = fixture.commit("feature", head, "Change", "main");
  server = await startGitHubServer({
    owner: "o",
    repo: "r",
    headSha,
    gitDir: fixture.bare,
    pullFiles: {
      2: Object.keys(head).map((path) => ({ filename: path, patch: fixture!.patch(baseSha, headSha, path) })),
    },
  });
  const octokit = createOctokit("test-token", { baseUrl: server.url, log: quiet, retries: 0 });
  const changed = Object.keys(head).map((path) => ({
    path,
    status: "modified" as const,
    patch: fixture!.patch(baseSha, headSha, path),
  }));
  return { api: gitHubApiFrom(octokit), git: createGitRemote(octokit, repo), headSha, changed };
}

describe("deliverRevisions (revise: commit)", () => {
  it("re-checks every revision at delivery time: protected paths, emptied files, changed line endings and content that differs at the head are never committed", async () => {
    const crlf = DOC.replace(/\n/g, "\r\n");
    const ctx = await setup(
      { "docs/ok.md": "# Ok\n" },
      {
        ".github/workflows/x.yml": "on: push\n",
        "docs/empty.md": DOC,
        "docs/crlf.md": crlf,
        "docs/moved.md": DOC,
      },
    );
    const refs = fixture!.git(["for-each-ref", "--format=%(refname) %(objectname)"]);
    const revisions: RunResult["revisions"] = new Map([
      [".github/workflows/x.yml", { original: "on: push\n", revised: "name: x\non: push\n", rubric: "r" }],
      ["docs/empty.md", { original: DOC, revised: "", rubric: "r" }],
      ["docs/crlf.md", { original: crlf, revised: DOC, rubric: "r" }],
      // Graded content that is not what the head holds (e.g. the merge checkout): never committed over it.
      ["docs/moved.md", { original: `${DOC}merged\n`, revised: `${DOC}merged, revised\n`, rubric: "r" }],
    ]);
    const delivery = await deliverRevisions({
      strategy: "commit",
      note: null,
      ...ctx,
      repo,
      report: revisedReport([...revisions.keys()]),
      revisions,
      generated: new Set(),
      maxFileBytes: 262_144,
      target: {
        kind: "pull_request",
        number: 2,
        headSha: ctx.headSha,
        headRef: "feature",
        changed: ctx.changed,
      },
    });
    const states = Object.fromEntries(
      delivery.files.map((f) => [
        f.path,
        f.state === "refused" || f.state === "shown" ? `${f.state}: ${f.reason}` : f.state,
      ]),
    );
    expect(states[".github/workflows/x.yml"]).toMatch(/^refused: .*protected path/);
    expect(states["docs/empty.md"]).toMatch(/^refused: .*empties the file/);
    expect(states["docs/crlf.md"]).toMatch(/^refused: .*line endings/);
    expect(states["docs/moved.md"]).toMatch(/^shown: .*differs from the graded version/);
    expect(delivery.pushed).toBeNull();
    expect(fixture!.git(["for-each-ref", "--format=%(refname) %(objectname)"])).toBe(refs);
    expect(server!.requests.some((r) => r.operationId === "git/create-commit")).toBe(false);
    expect(server!.violations).toEqual([]);
  });
});

describe("deliverRevisions (revise: suggest)", () => {
  it("posts at most 30 suggestions in a review; the rest of the revision is returned as a diff", async () => {
    const lines = Array.from({ length: 80 }, (_, i) => `Line ${i + 1}.\n`);
    const head = lines.map((line, i) => (i % 2 === 0 ? line.replace("Line", "TODO line") : line)).join("");
    const ctx = await setup({ "docs/long.md": lines.join("") }, { "docs/long.md": head });
    const revised = head.replace(/TODO line/g, "Line");
    const revisions: RunResult["revisions"] = new Map([
      ["docs/long.md", { original: head, revised, rubric: "r" }],
    ]);
    const delivery = await deliverRevisions({
      strategy: "suggest",
      note: null,
      ...ctx,
      repo,
      report: revisedReport(["docs/long.md"]),
      revisions,
      generated: new Set(),
      maxFileBytes: 262_144,
      target: {
        kind: "pull_request",
        number: 2,
        headSha: ctx.headSha,
        headRef: "feature",
        changed: ctx.changed,
      },
    });
    expect(server!.violations).toEqual([]);
    expect(server!.state.reviews).toHaveLength(1);
    expect(server!.state.reviewComments).toHaveLength(30);
    const [only] = delivery.files;
    expect(only?.state).toBe("suggested");
    if (only?.state !== "suggested") return;
    expect(only.suggestions).toBe(30);
    // Lines 61–79 (the 31st to 40th changes) are in the diff returned for the summary comment.
    expect(only.outsideDiff).toContain("-TODO line 61.\n+Line 61.");
    expect(only.outsideDiff).not.toContain("-TODO line 59.");
    expect(delivery.review).toMatchObject({ created: 30, kept: 0, removed: 0 });
  });
});
