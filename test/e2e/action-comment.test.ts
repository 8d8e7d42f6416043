// `/rubric-gate` commands in pull request comments: the committed bundle (dist/index.js) run with real
// `issue_comment` payloads (@octokit/webhooks-examples) against the local model server and the GitHub
// stand-in, whose git endpoints are a real bare repository and whose every request is checked against
// GitHub's OpenAPI description. The runner's checkout is an empty folder: a command reads the pull
// request's files at its head through the API, as data.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runAction, webhookExample, type ActionRun } from "../support/action-runner.js";
import { OWNER, REPO } from "../support/action-world.js";
import { createGitFixture, type GitFixture } from "../support/git-repo.js";
import {
  ACTIONS_BOT,
  startGitHubServer,
  type GitHubServer,
  type SeedPullFile,
} from "../support/github-server.js";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { isJudgeRequest, scripted } from "../support/scripted.js";

const PR = 2;
const COMMENT_ID = 424242;

const RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Has an Install section. {#install}
- Has no TODO left. {#no-todo}
`;
const GUIDE = "# Guide\n\n## Install\n\nnpm i widget\n\nTODO: write the rest\n";
const FIXED = "# Guide\n\n## Install\n\nnpm i widget\n\nRun `widget --help` to see the options.\n";

let github: GitHubServer | undefined;
let models: ModelServer | undefined;
let fixture: GitFixture | undefined;
let checkout: string | undefined;
afterEach(async () => {
  await github?.close();
  await models?.close();
  fixture?.cleanup();
  if (checkout) rmSync(checkout, { recursive: true, force: true });
  github = models = fixture = checkout = undefined;
});

const judgeAndWriter = (onWriter?: () => void) =>
  scripted({
    judge: {
      install: (a) => (a.includes("## Install") ? "## Install" : false),
      "no-todo": (a) => !a.includes("TODO"),
    },
    writer: (artifact) => {
      onWriter?.();
      return artifact.includes("TODO: write the rest\n")
        ? [{ find: "TODO: write the rest\n", replace: "Run `widget --help` to see the options.\n" }]
        : [];
    },
  });

interface World {
  baseSha: string;
  headSha: string;
}

/** main holds the rubric; branch `feature` (the pull request's head) adds a guide with a TODO. */
async function world(
  options: {
    permissions?: Record<string, "admin" | "write" | "read" | "triage">;
    fork?: string;
    closed?: boolean;
  } = {},
  onWriter?: () => void,
): Promise<World> {
  fixture = createGitFixture({ "rubrics/guide.md": RUBRIC, "README.md": "# Widget\n" });
  const baseSha = fixture.head("refs/heads/main")!;
  const headSha = fixture.commit("feature", { "docs/guide.md": GUIDE }, "Write the guide", "main");
  const pullFiles: SeedPullFile[] = [
    { filename: "docs/guide.md", status: "added", patch: fixture.patch(baseSha, headSha, "docs/guide.md") },
  ];
  github = await startGitHubServer({
    owner: OWNER,
    repo: REPO,
    headSha,
    gitDir: fixture.bare,
    pullFiles: { [PR]: pullFiles },
    permissions: { maintainer: "write", ...options.permissions },
    pullRefs: {
      [PR]: {
        ...(options.fork ? { headRepo: options.fork } : {}),
        state: options.closed ? "closed" : "open",
      },
    },
  });
  models = await startModelServer(judgeAndWriter(onWriter));
  checkout = mkdtempSync(join(tmpdir(), "rg-comment-checkout-"));
  return { baseSha, headSha };
}

/** A real `issue_comment` payload, made a comment on pull request #2 by `login` with `body`. */
function commentPayload(
  body: string,
  login = "maintainer",
  options: { action?: string; type?: string; id?: number } = {},
): Record<string, unknown> {
  const payload = webhookExample("issue_comment", options.action ?? "created");
  const issue = payload["issue"] as Record<string, unknown>;
  issue["number"] = PR;
  issue["pull_request"] = {
    url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${PR}`,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}`,
    diff_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}.diff`,
    patch_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}.patch`,
    merged_at: null,
  };
  const comment = payload["comment"] as Record<string, unknown>;
  comment["id"] = options.id ?? COMMENT_ID;
  comment["body"] = body;
  // What the payload says of the author's access is never what decides.
  comment["author_association"] = "OWNER";
  comment["user"] = { ...(comment["user"] as object), login, type: options.type ?? "User" };
  return payload;
}

/** Runs the bundle on the comment event; the comment itself exists on GitHub (reactions need it). */
function runComment(
  w: World,
  payload: Record<string, unknown>,
  extra: Record<string, string> = {},
): Promise<ActionRun> {
  const comment = payload["comment"] as { id: number; body: string; user: { login: string; type: string } };
  if (!github!.state.issueComments.some((c) => c.id === comment.id)) {
    github!.state.issueComments.push({
      id: comment.id,
      issue_number: PR,
      body: comment.body,
      user: { login: comment.user.login, id: 7_000, type: comment.user.type === "Bot" ? "Bot" : "User" },
      created_at: "2026-12-01T00:00:00Z",
      updated_at: "2026-12-01T00:00:00Z",
    });
  }
  return runAction({
    eventName: "issue_comment",
    payload,
    repository: `${OWNER}/${REPO}`,
    sha: w.baseSha,
    ref: "refs/heads/main",
    workspace: checkout!,
    apiUrl: github!.url,
    inputs: {
      judge: "openai:gpt-4.1",
      "openai-api-key": "sk-test-not-a-real-key-000",
      "openai-base-url": models!.openaiBaseURL,
      "github-token": "ghs_local_token",
      ...extra,
    },
  });
}

const reactions = () =>
  github!.state.reactions.filter((r) => r.commentId === COMMENT_ID).map((r) => r.content);
const botReplies = () => github!.state.issueComments.filter((c) => c.user.login === ACTIONS_BOT.login);
const nothingRan = () => {
  expect(models!.requests).toHaveLength(0);
  expect(github!.state.checkRuns).toHaveLength(0);
  expect(github!.requests.filter((r) => r.method !== "GET")).toEqual(
    github!.requests.filter((r) => r.operationId === "issues/create-comment"),
  );
};
const expectCleanProtocol = () => {
  expect(github!.violations).toEqual([]);
  expect(github!.responseViolations).toEqual([]);
};

describe("/rubric-gate revise from a person with write access", () => {
  it("commits the revision on the head, checks the new SHA, reacts eyes then rocket, and links the check run", async () => {
    const w = await world();
    const run = await runComment(w, commentPayload("/rubric-gate revise commit\n\nPlease fix the TODO."));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const pushed = fixture!.head("refs/heads/feature")!;
    expect(pushed).not.toBe(w.headSha);
    expect(fixture!.git(["rev-parse", `${pushed}^`]).trim()).toBe(w.headSha);
    expect(fixture!.show(pushed, "docs/guide.md")).toBe(FIXED);
    // The check on the head as of the command (fetched: the event has none), then one on the new SHA.
    expect(github!.state.checkRuns.map((r) => [r.head_sha, r.conclusion])).toEqual([
      [w.headSha, "failure"],
      [pushed, "success"],
    ]);
    expect(github!.requests.some((r) => r.operationId === "pulls/get")).toBe(true);
    expect(github!.requests.some((r) => r.operationId === "repos/get-collaborator-permission-level")).toBe(
      true,
    );
    expect(reactions()).toEqual(["eyes", "rocket"]);
    const reply = botReplies().find((c) => c.body.includes(`rubric-gate:command ${COMMENT_ID}`));
    expect(reply?.body).toContain("`/rubric-gate revise commit` from @maintainer");
    expect(reply?.body).toMatch(/\[the check run\]\(https:\/\/github\.com\/.*\/runs\/\d+\)/);
    expect(run.outputs["revision-sha"]).toBe(pushed);
    expectCleanProtocol();
  }, 60_000);

  it("`/rubric-gate grade` re-grades and updates the check and the sticky comment; nothing is revised", async () => {
    const w = await world();
    const run = await runComment(w, commentPayload("/rubric-gate grade"), { revise: "commit" });
    expect(run.code).toBe(1);
    expect(models!.requests.every(isJudgeRequest)).toBe(true);
    expect(fixture!.head("refs/heads/feature")).toBe(w.headSha);
    expect(github!.state.checkRuns.map((r) => [r.head_sha, r.conclusion])).toEqual([[w.headSha, "failure"]]);
    expect(botReplies().some((c) => c.body.startsWith("<!-- rubric-gate -->"))).toBe(true);
    expect(reactions()).toEqual(["eyes", "rocket"]);
    expectCleanProtocol();
  }, 60_000);

  it("a head that moves between the command and the push: nothing is pushed, the revision is suggested", async () => {
    let human: string | undefined;
    const w = await world({}, () => {
      human ??= fixture!.commit("feature", { "docs/notes.md": "Human notes.\n" }, "Human: notes");
    });
    const run = await runComment(w, commentPayload("/rubric-gate revise commit"));
    expect(human).toBeDefined();
    expect(fixture!.head("refs/heads/feature")).toBe(human);
    expect(fixture!.show("feature", "docs/guide.md")).toBe(GUIDE);
    expect(github!.state.reviewComments.length).toBeGreaterThan(0);
    expect(github!.state.reviewComments.every((c) => c.body.includes("```suggestion"))).toBe(true);
    expect(run.summary).toContain("moved since grading");
    expect(github!.state.checkRuns.map((r) => r.head_sha)).toEqual([w.headSha]);
    expectCleanProtocol();
  }, 60_000);

  it("a fork's pull request gets suggestions only, read at its head through the API", async () => {
    const w = await world({ fork: "outsider/Hello-World" });
    const run = await runComment(w, commentPayload("/rubric-gate revise commit"));
    expect(run.code).toBe(1);
    expect(fixture!.head("refs/heads/feature")).toBe(w.headSha);
    expect(github!.requests.some((r) => r.operationId === "git/update-ref")).toBe(false);
    expect(github!.state.reviewComments.length).toBeGreaterThan(0);
    expect(run.summary).toContain("from a fork");
    expect(reactions()).toEqual(["eyes", "rocket"]);
    expectCleanProtocol();
  }, 60_000);
});

describe("comments that run nothing", () => {
  it("a person with read access: nothing runs, one polite reply however often they ask", async () => {
    const w = await world({ permissions: { visitor: "read" } });
    const first = await runComment(w, commentPayload("/rubric-gate revise commit", "visitor"));
    expect(first.code).toBe(0);
    const again = await runComment(
      w,
      commentPayload("/rubric-gate revise", "visitor", { id: COMMENT_ID + 1 }),
    );
    expect(again.code).toBe(0);
    nothingRan();
    expect(botReplies()).toHaveLength(1);
    expect(botReplies()[0]?.body).toContain("@visitor, thank you");
    expect(botReplies()[0]?.body).toContain("write access");
    expect(github!.state.reactions).toHaveLength(0);
    expect(fixture!.head("refs/heads/feature")).toBe(w.headSha);
    expectCleanProtocol();
  }, 60_000);

  it.each([
    ["mentions the command mid-text", "Could someone run\n/rubric-gate revise commit", "maintainer", "User"],
    ["quotes it", "> /rubric-gate revise commit", "maintainer", "User"],
    ["adds words to it", "/rubric-gate revise commit now please", "maintainer", "User"],
    ["is a bot's", "/rubric-gate revise commit", "some-app[bot]", "Bot"],
    // Never read as another login's access (ev.il is not evil).
    ["comes from a login GitHub does not give", "/rubric-gate revise commit", "ev.il", "User"],
  ])(
    "a comment that %s: nothing, not a word",
    async (_what, body, login, type) => {
      const w = await world();
      const run = await runComment(w, commentPayload(body, login, { type }));
      expect(run.code).toBe(0);
      nothingRan();
      expect(botReplies()).toHaveLength(0);
      expect(github!.requests.some((r) => r.operationId === "repos/get-collaborator-permission-level")).toBe(
        false,
      );
      expect(github!.state.reactions).toHaveLength(0);
      expectCleanProtocol();
    },
    60_000,
  );

  it("a closed pull request: nothing runs; the command is answered once, with why, and a confused reaction", async () => {
    const w = await world({ closed: true });
    const run = await runComment(w, commentPayload("/rubric-gate revise commit"));
    expect(run.code).toBe(0);
    expect(models!.requests).toHaveLength(0);
    expect(github!.state.checkRuns).toHaveLength(0);
    expect(fixture!.head("refs/heads/feature")).toBe(w.headSha);
    expect(botReplies().map((c) => c.body.split("\n")[1])).toEqual([
      "`/rubric-gate revise commit` from @maintainer: the pull request is closed, so nothing was run. Reopen it to run commands.",
    ]);
    expect(reactions()).toEqual(["eyes", "confused"]);
    expectCleanProtocol();
  }, 60_000);

  it("an edited command comment, or the same event delivered twice, does not run again", async () => {
    const w = await world();
    const first = await runComment(w, commentPayload("/rubric-gate grade"));
    expect(first.code).toBe(1);
    const calls = models!.requests.length;
    const checks = github!.state.checkRuns.length;
    // A comment edited into a command (it was none when created) runs nothing either.
    const edited = await runComment(
      w,
      commentPayload("/rubric-gate revise commit", "maintainer", { action: "edited", id: COMMENT_ID + 5 }),
    );
    expect(edited.code).toBe(0);
    const redelivered = await runComment(w, commentPayload("/rubric-gate grade"));
    expect(redelivered.code).toBe(0);
    expect(redelivered.stdout).toContain("answered by an earlier run");
    expect(models!.requests).toHaveLength(calls);
    expect(github!.state.checkRuns).toHaveLength(checks);
    expect(fixture!.head("refs/heads/feature")).toBe(w.headSha);
    expect(botReplies().filter((c) => c.body.includes(`rubric-gate:command ${COMMENT_ID}`))).toHaveLength(1);
    expectCleanProtocol();
  }, 60_000);
});
