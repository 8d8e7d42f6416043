// Revision delivery end to end: the committed bundle (dist/index.js) run as the runner would, against
// the local model server and a fake GitHub whose git endpoints are a real bare repository on disk.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { runAction, webhookExample, type ActionRun } from "../support/action-runner.js";
import { createGitFixture, type GitFixture } from "../support/git-repo.js";
import {
  ACTIONS_BOT,
  startGitHubServer,
  type GitHubServer,
  type SeedPullFile,
} from "../support/github-server.js";
import { startModelServer, type CapturedRequest, type ModelServer } from "../support/model-server.js";
import { assertValidReport } from "../support/report-schema.js";
import { dcfWorkbook } from "../support/office.js";
import { isJudgeRequest, scripted } from "../support/scripted.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const PR = 2;

const RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Has an Install section. {#install}
- Has no TODO left. {#no-todo}
- [advisory] Links to the README. {#links}
`;
const WORKFLOW_RUBRIC = `---
files:
  - .github/workflows/*.yml
description: A GitHub Actions workflow.
---

- Names the workflow. {#named}
`;

const GUIDE = "# Guide\n\n## Install\n\nnpm i widget\n\nTODO: write the rest\n";
const GUIDE_REVISED =
  "# Guide\n\nThis page explains how to install the widget.\n\n## Install\n\nnpm i widget\n\nRun `widget --help` to see the options.\n";

type Verdict = { evidence: string; explanation: string; verdict: "pass" | "fail" };
const pass = (evidence = ""): Verdict => ({ evidence, explanation: "met", verdict: "pass" });
const fail = (evidence: string, explanation: string): Verdict => ({ evidence, explanation, verdict: "fail" });

/** The judge: evidence quotes lines, so annotations have lines to point at. */
function verdict(id: string, artifact: string): Verdict {
  const todo = /TODO[^\r\n]*/.exec(artifact)?.[0];
  switch (id) {
    case "install":
      return artifact.includes("## Install") ? pass("## Install") : fail("", "No Install section.");
    case "no-todo":
      return todo ? fail(todo, "A TODO is left in the page.") : pass();
    case "links":
      return artifact.includes("README")
        ? pass("README")
        : fail(
            artifact.includes("## Install") ? "## Install" : "",
            "The Install section does not link to the README.",
          );
    case "named":
      return /^name:/m.test(artifact) ? pass("name:") : fail("", "The workflow has no name.");
    case "growth": {
      const line = artifact.split("\n").find((l) => l.startsWith("Assumptions!B5 = ")) ?? "";
      return line.includes("(0.02)") ? pass(line) : fail(line, "Terminal growth of 4.0% exceeds 2.5%.");
    }
    default:
      return fail("", "unknown criterion");
  }
}

type Writer = (artifact: string) => Array<{ find: string; replace: string }>;

function handler(writer: Writer, onWriter?: () => void) {
  return scripted({
    judge: (_req, ids, artifact) => ({
      json: {
        criteria: Object.fromEntries(ids.map((id) => [id, verdict(id, artifact)])),
        applicable: true,
        summary: "graded",
      },
    }),
    writer: (artifact) => {
      onWriter?.();
      return writer(artifact);
    },
  });
}

const fixGuide: Writer = (artifact) =>
  artifact.includes("TODO: write the rest")
    ? [
        { find: "# Guide\n", replace: "# Guide\n\nThis page explains how to install the widget.\n" },
        { find: "TODO: write the rest\n", replace: "Run `widget --help` to see the options.\n" },
      ]
    : [];

let github: GitHubServer | undefined;
let models: ModelServer | undefined;
let fixture: GitFixture | undefined;
afterEach(async () => {
  await github?.close();
  await models?.close();
  fixture?.cleanup();
  github = undefined;
  models = undefined;
  fixture = undefined;
});

const writerRequests = (): CapturedRequest[] => models!.requests.filter((r) => !isJudgeRequest(r));
const bareGit = (...args: string[]): string => fixture!.git(args).trim();
const trailer = (sha: string, key: string): string =>
  bareGit("log", "-1", `--format=%(trailers:key=${key},valueonly)`, sha);

interface PullSetup {
  baseSha: string;
  headSha: string;
  workspace: string;
  mergeSha: string;
}

/** A repository with `base` on main and `head` on branch `feature`, a PR between them, and a runner checkout of its merge commit. */
async function pullRequest(
  base: Record<string, string>,
  head: Record<string, string | null>,
): Promise<PullSetup> {
  fixture = createGitFixture(base);
  const baseSha = fixture.head("refs/heads/main")!;
  const headSha = fixture.commit("feature", head, "Write the guide", "main");
  const pullFiles: SeedPullFile[] = Object.keys(head).map((path) => ({
    filename: path,
    status: path in base ? "modified" : "added",
    patch: fixture!.patch(baseSha, headSha, path),
  }));
  github = await startGitHubServer({
    owner: OWNER,
    repo: REPO,
    headSha,
    gitDir: fixture.bare,
    pullFiles: { [PR]: pullFiles },
  });
  const checkout = fixture.checkout(headSha, { mergeInto: baseSha });
  return { baseSha, headSha, workspace: checkout.root, mergeSha: checkout.sha };
}

function prPayload(setup: { baseSha: string; headSha: string }): Record<string, unknown> {
  const payload = webhookExample("pull_request", "opened");
  const pr = payload["pull_request"] as {
    number: number;
    head: { sha: string; ref: string };
    base: { sha: string; ref: string };
  };
  pr.number = PR;
  payload["number"] = PR;
  pr.head.sha = setup.headSha;
  pr.head.ref = "feature";
  pr.base.sha = setup.baseSha;
  pr.base.ref = "main";
  return payload;
}

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    judge: "openai:gpt-4.1",
    "openai-api-key": "sk-test-not-a-real-key-000",
    "openai-base-url": models!.openaiBaseURL,
    ...extra,
  };
}

function runPullRequest(
  setup: { baseSha: string; headSha: string; workspace: string; mergeSha: string },
  extra: Record<string, string>,
): Promise<ActionRun> {
  return runAction({
    eventName: "pull_request",
    payload: prPayload(setup),
    repository: `${OWNER}/${REPO}`,
    sha: setup.mergeSha,
    ref: `refs/pull/${PR}/merge`,
    workspace: setup.workspace,
    apiUrl: github!.url,
    inputs: inputs(extra),
  });
}

function reportOf(run: ActionRun): Report {
  const report = JSON.parse(run.outputs["report"] ?? "null") as Report;
  assertValidReport(report);
  return report;
}

function expectCleanProtocol(): void {
  expect(github!.violations).toEqual([]);
  expect(github!.responseViolations).toEqual([]);
}

describe("revise: commit", () => {
  const setupCommit = async () => {
    const setup = await pullRequest(
      { "rubrics/guide.md": RUBRIC, "docs/guide.md": "# Guide\n" },
      { "docs/guide.md": GUIDE },
    );
    models = await startModelServer(handler(fixGuide));
    const run = await runPullRequest(setup, { revise: "commit" });
    return { setup, run };
  };

  it("pushes one commit on the PR branch whose parent is the graded head, and posts the check for the new SHA", async () => {
    const { setup, run } = await setupCommit();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expectCleanProtocol();

    // The remote: the branch fast-forwarded by exactly one commit on top of the graded head.
    const pushed = fixture!.head("refs/heads/feature")!;
    expect(pushed).not.toBe(setup.headSha);
    expect(bareGit("rev-parse", `${pushed}^`)).toBe(setup.headSha);
    expect(bareGit("rev-list", "--count", `${setup.headSha}..${pushed}`)).toBe("1");
    expect(bareGit("diff", "--name-only", setup.headSha, pushed)).toBe("docs/guide.md");
    expect(fixture!.show(pushed, "docs/guide.md")).toBe(GUIDE_REVISED);
    const message = bareGit("log", "-1", "--format=%B", pushed);
    expect(message.split("\n")[0]).toBe("rubric-gate: revise docs/guide.md to meet its rubric");
    expect(message).toContain("- docs/guide.md (rubrics/guide.md): fixes no-todo");
    expect(trailer(pushed, "Rubric-Gate")).toBe("revision");
    expect(trailer(pushed, "Rubric-Gate-Original-Head")).toBe(setup.headSha);
    expect(bareGit("log", "-1", "--format=%an <%ae>", pushed)).toBe(
      `${ACTIONS_BOT.login} <${ACTIONS_BOT.id}+${ACTIONS_BOT.login}@users.noreply.github.com>`,
    );
    // No force anywhere: the one ref update was a fast-forward-only update.
    const updates = github!.requests.filter((r) => r.operationId === "git/update-ref");
    expect(updates.map((r) => r.body)).toEqual([{ sha: pushed, force: false }]);

    // Two check runs: the graded head (as it is: failing, annotations at its lines) and the new head.
    const runs = github!.state.checkRuns;
    expect(runs.map((r) => r.head_sha)).toEqual([setup.headSha, pushed]);
    const [old, fresh] = runs;
    expect(old?.conclusion).toBe("failure");
    expect(old?.annotations.find((a) => a.title?.startsWith("no-todo"))).toMatchObject({ start_line: 7 });
    expect(old?.annotations.find((a) => a.title?.startsWith("links"))).toMatchObject({ start_line: 3 });
    expect(fresh?.status).toBe("completed");
    expect(fresh?.name).toBe("rubric-gate");
    expect(fresh?.conclusion).toBe("success");
    // The judge graded the revision: its verdicts, at the lines of the revised content.
    expect(fresh?.annotations.map((a) => [a.title, a.annotation_level, a.start_line])).toEqual([
      ["links: fail (advisory)", "warning", 5],
    ]);
    expect(GUIDE_REVISED.split("\n")[4]).toBe("## Install");
    expect(fresh?.output.summary).toContain("✅ satisfied");

    // The run describes the PR as it now stands.
    expect(run.outputs).toMatchObject({ conclusion: "success", result: "passed", "revision-sha": pushed });
    const comment = github!.state.issueComments.find((c) => c.issue_number === PR);
    expect(comment?.body).toContain(`committed in ${pushed.slice(0, 12)}`);
    expect(reportOf(run).files[0]).toMatchObject({
      path: "docs/guide.md",
      result: "satisfied",
      changed: true,
    });
  }, 60_000);

  it("a run triggered by its own revision commit grades it and does not revise again", async () => {
    const { setup } = await setupCommit();
    const pushed = fixture!.head("refs/heads/feature")!;
    models!.requests.length = 0;
    const again = fixture!.checkout(pushed, { mergeInto: setup.baseSha });
    const run = await runPullRequest(
      { baseSha: setup.baseSha, headSha: pushed, workspace: again.root, mergeSha: again.sha },
      { revise: "commit" },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(writerRequests()).toHaveLength(0);
    expect(models!.requests.filter(isJudgeRequest)).toHaveLength(1);
    expect(fixture!.head("refs/heads/feature")).toBe(pushed);
    expect(github!.requests.filter((r) => r.operationId === "git/create-commit")).toHaveLength(1);
    expect(github!.requests.some((r) => r.path.endsWith(`/git/commits/${pushed}`))).toBe(true);
    expect(run.stdout).toContain("rubric-gate's own revision");
    expect(github!.state.checkRuns.at(-1)).toMatchObject({ head_sha: pushed, conclusion: "success" });
    expectCleanProtocol();
  }, 60_000);

  it.each([
    ["while the Action grades (the writer's call)", "writer"],
    ["between the Action's checks and its ref update", "ref-update"],
  ] as const)(
    "a human commit that lands %s is kept; the push is refused and the revision becomes a suggestion",
    async (_when, moment) => {
      const setup = await pullRequest(
        { "rubrics/guide.md": RUBRIC, "docs/guide.md": "# Guide\n" },
        { "docs/guide.md": GUIDE },
      );
      let human: string | undefined;
      const push = (): void => {
        human ??= fixture!.commit("feature", { "docs/notes.md": "Human notes.\n" }, "Human: notes");
      };
      models = await startModelServer(handler(fixGuide, moment === "writer" ? push : undefined));
      if (moment === "ref-update") github!.beforeOperation("git/update-ref", push);

      const run = await runPullRequest(setup, { revise: "commit" });
      expect(human).toBeDefined();
      // The human's commit is the branch head, on top of the graded head; no rubric-gate commit is on the branch.
      expect(fixture!.head("refs/heads/feature")).toBe(human);
      expect(bareGit("rev-parse", `${human}^`)).toBe(setup.headSha);
      expect(bareGit("log", "--format=%(trailers:key=Rubric-Gate,valueonly)", "feature")).toBe("");
      expect(fixture!.show("feature", "docs/notes.md")).toBe("Human notes.\n");
      expect(fixture!.show("feature", "docs/guide.md")).toBe(GUIDE);
      if (moment === "ref-update") {
        const update = github!.requests.find((r) => r.operationId === "git/update-ref");
        expect(update?.body).toMatchObject({ force: false });
        expect(update?.status).toBe(422);
      }

      // The revision is offered as suggestions instead, and the summary says why.
      expect(github!.state.reviews).toHaveLength(1);
      const suggestions = github!.state.reviewComments;
      expect(suggestions.length).toBeGreaterThan(0);
      expect(
        suggestions.every((c) => c.body.includes("```suggestion") && c.commit_id === setup.headSha),
      ).toBe(true);
      expect(run.summary).toContain("was not committed");
      expect(run.summary).toContain("moved since grading");
      expect(run.summary).toMatch(/suggestions? in the review/);
      // No check for a commit that does not exist on the branch; the head's check reflects the head.
      expect(github!.state.checkRuns.map((r) => r.head_sha)).toEqual([setup.headSha]);
      expect(run.outputs["revision-sha"]).toBe("");
      expect(run.code).toBe(1);
      expectCleanProtocol();
    },
    60_000,
  );

  it("a merge checkout whose file differs at the head: nothing is pushed, the revision is suggested on the head's lines", async () => {
    const intro = Array.from({ length: 12 }, (_, i) => `Background line ${i + 1}.\n`).join("");
    const setup = await pullRequest(
      { "rubrics/guide.md": RUBRIC, "docs/guide.md": `# Guide\n\n${intro}` },
      { "docs/guide.md": `# Guide\n\n${intro}\n## Install\n\nnpm i widget\n\nTODO: write the rest\n` },
    );
    // The base branch moves on after the pull request was opened: the runner's merge checkout now
    // holds a version of the file that is at no commit of the pull request.
    const main = fixture!.commit("main", { "docs/guide.md": `# The guide\n\n${intro}` }, "Retitle", "main");
    const merged = fixture!.checkout(setup.headSha, { mergeInto: main });
    models = await startModelServer(
      handler((artifact) =>
        artifact.includes("TODO: write the rest")
          ? [{ find: "TODO: write the rest\n", replace: "Run `widget --help` to see the options.\n" }]
          : [],
      ),
    );
    const refsBefore = bareGit("for-each-ref", "--format=%(refname) %(objectname)");
    const run = await runPullRequest(
      { baseSha: main, headSha: setup.headSha, workspace: merged.root, mergeSha: merged.sha },
      { revise: "commit" },
    );
    expectCleanProtocol();
    // Never a commit over content nobody graded.
    expect(bareGit("for-each-ref", "--format=%(refname) %(objectname)")).toBe(refsBefore);
    // The revision's change is suggested on the head's version, where the TODO line is.
    const todoLine =
      fixture!.show(setup.headSha, "docs/guide.md").split("\n").indexOf("TODO: write the rest") + 1;
    expect(github!.state.reviewComments).toHaveLength(1);
    expect(github!.state.reviewComments[0]).toMatchObject({ path: "docs/guide.md", line: todoLine });
    expect(github!.state.reviewComments[0]?.body).toContain("Run `widget --help` to see the options.");
    // What the README promises, and the summary says so in words, its code spans intact.
    expect(run.summary).toContain("It is offered as suggestions instead.");
    expect(run.summary).not.toContain("\\`");
    // The head still holds the TODO: its check fails, and says the revision waits in a review.
    expect(run.code).toBe(1);
  }, 60_000);

  it("refuses a protected path, an emptied file and a CRLF→LF rewrite, never commits a generated file, and leaves the remote unchanged", async () => {
    const crlf = "# Crlf\r\n\r\n## Install\r\n\r\nTODO: crlf\r\n";
    const setup = await pullRequest(
      {
        "rubrics/guide.md": RUBRIC,
        "rubrics/generated.md": RUBRIC.replace("docs/**/*.md", "out/**/*.md"),
        "rubrics/workflows.md": WORKFLOW_RUBRIC,
      },
      {
        ".github/workflows/x.yml": "on: push\njobs: {}\n",
        "docs/empty.md": "# Empty\n\n## Install\n\nTODO: EMPTY-ME\n",
        "docs/crlf.md": crlf,
      },
    );
    const writerSaw: string[] = [];
    models = await startModelServer(
      handler((artifact) => {
        writerSaw.push(artifact);
        if (artifact.includes("on: push")) return [{ find: "on: push\n", replace: "name: x\non: push\n" }];
        if (artifact.includes("EMPTY-ME")) return [{ find: artifact, replace: "" }];
        if (artifact.includes("\r\n"))
          return [
            { find: artifact, replace: artifact.replace(/\r\n/g, "\n").replace("TODO: crlf", "Done.") },
          ];
        if (artifact.includes("TODO: generated"))
          return [{ find: "TODO: generated\n", replace: "Generated in full.\n" }];
        return [];
      }),
    );
    // An earlier step of the job generated this file (input `paths`): graded, revised, never committed.
    mkdirSync(join(setup.workspace, "out"), { recursive: true });
    writeFileSync(join(setup.workspace, "out/gen.md"), "# Gen\n\n## Install\n\nTODO: generated\n");
    const refsBefore = bareGit("for-each-ref", "--format=%(refname) %(objectname)");

    const run = await runPullRequest(setup, {
      revise: "commit",
      paths: "out/**/*.md",
      "max-iterations": "1",
    });
    expectCleanProtocol();
    expect(bareGit("for-each-ref", "--format=%(refname) %(objectname)")).toBe(refsBefore);
    expect(
      github!.requests.filter((r) =>
        /^git\/(create-commit|update-ref|create-ref)$/.test(r.operationId ?? ""),
      ),
    ).toEqual([]);
    expect(github!.state.checkRuns.map((r) => r.head_sha)).toEqual([setup.headSha]);

    const report = reportOf(run);
    const file = (path: string) => report.files.find((f) => f.path === path);
    // The workflow is graded by its rubric, and its revision is never even asked for.
    expect(file(".github/workflows/x.yml")).toMatchObject({ result: "needs_revision", changed: false });
    expect(file(".github/workflows/x.yml")?.reason).toContain("protected path");
    expect(writerSaw.some((a) => a.includes("on: push"))).toBe(false);
    expect(file("docs/empty.md")?.iterations[1]).toMatchObject({ status: "revision_rejected" });
    expect(file("docs/empty.md")?.iterations[1]?.error).toContain("empties the file");
    expect(file("docs/crlf.md")?.iterations[1]?.error).toContain("line endings from CRLF to LF");
    expect(file("docs/empty.md")?.changed).toBe(false);
    expect(file("docs/crlf.md")?.changed).toBe(false);
    // The generated file's revision is shown as a diff in the summary and the comment, not committed.
    expect(file("out/gen.md")).toMatchObject({ result: "satisfied", changed: true });
    expect(run.summary).toContain("out/gen.md");
    expect(run.summary).toContain("fix the generator");
    expect(run.summary).toContain("+Generated in full.");
    const comment = github!.state.issueComments.find((c) => c.issue_number === PR);
    expect(comment?.body).toContain("+Generated in full.");
    expect(run.code).toBe(1);
  }, 60_000);
});

describe("a generated workbook on a pull request (input paths)", () => {
  it("is graded from the workspace, located at its cell in the summary and the comment, and never committed", async () => {
    const DCF_RUBRIC = `---\nfiles:\n  - build/*.xlsx\ndescription: A DCF model.\n---\n\n- The terminal growth rate does not exceed 2.5%. {#growth}\n`;
    const setup = await pullRequest(
      { "rubrics/guide.md": RUBRIC, "rubrics/dcf.md": DCF_RUBRIC, "docs/guide.md": GUIDE },
      { "docs/guide.md": GUIDE_REVISED.replace("Run", "See the README. Run") },
    );
    models = await startModelServer(handler(fixGuide));
    // An earlier step of the job generated the workbook: it is in the workspace, not in the diff.
    mkdirSync(join(setup.workspace, "build"), { recursive: true });
    writeFileSync(join(setup.workspace, "build/dcf.xlsx"), await dcfWorkbook({ terminalGrowth: 0.04 }));
    const refsBefore = bareGit("for-each-ref", "--format=%(refname) %(objectname)");

    const run = await runPullRequest(setup, { revise: "commit", paths: "build/*.xlsx" });
    expectCleanProtocol();
    const report = reportOf(run);
    expect(report.files.map((f) => [f.path, f.result])).toEqual(
      expect.arrayContaining([
        ["docs/guide.md", "satisfied"],
        ["build/dcf.xlsx", "needs_revision"],
      ]),
    );
    const workbook = report.files.find((f) => f.path === "build/dcf.xlsx")!;
    expect(workbook.generator_changes).toEqual([
      {
        criterion: "growth",
        advisory: false,
        location: "Assumptions!B5",
        change: "Terminal growth of 4.0% exceeds 2.5%.",
      },
    ]);
    // Nothing was committed or pushed, and the writer was never asked to rewrite the workbook.
    expect(bareGit("for-each-ref", "--format=%(refname) %(objectname)")).toBe(refsBefore);
    expect(writerRequests()).toEqual([]);
    const check = github!.state.checkRuns[0]!;
    expect(check.head_sha).toBe(setup.headSha);
    expect(check.conclusion).toBe("failure");
    const located = "- growth at Assumptions\\!B5: Terminal growth of 4.0% exceeds 2.5%.";
    expect(check.output.summary).toContain("**What the generator must change**");
    expect(check.output.summary).toContain(located);
    expect(run.summary).toContain(located);
    const comment = github!.state.issueComments.find((c) => c.issue_number === PR);
    expect(comment?.body).toContain(located);
    expect(run.outputs["result"]).toBe("failed");
    expect(run.code).toBe(1);
  }, 60_000);
});

/** Lines of the RIGHT side each hunk of a patch shows, parsed independently of the code under test. */
function rightRanges(patch: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let line = 0;
  for (const text of patch.split("\n")) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)/.exec(text);
    if (header) {
      line = Number(header[1]);
      ranges.push([line, line - 1]);
    } else if (!text.startsWith("-") && !text.startsWith("\\") && ranges.length > 0) {
      ranges[ranges.length - 1]![1] = line++;
    }
  }
  return ranges;
}

describe("revise: suggest", () => {
  it("puts suggestions only inside the hunks of a real multi-hunk diff, the rest in the comment, and never duplicates them", async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `Line ${i + 1}.\n`);
    lines[1] = "## Install\n";
    const base = lines.join("");
    const head = [...lines];
    head[4] = "TODO: one\n";
    head[19] = "TODO: two\n";
    head[34] = "Old name here\n";
    const setup = await pullRequest(
      { "rubrics/guide.md": RUBRIC, "docs/long.md": base },
      { "docs/long.md": head.join("") },
    );
    let oneFix = "Done one.\n";
    models = await startModelServer(
      handler((artifact) =>
        artifact.includes("TODO")
          ? [
              { find: "TODO: one\n", replace: oneFix },
              { find: "TODO: two\n", replace: "Done two, for example:\n\n```sh\nwidget run\n```\n" },
              { find: "Line 12.\n", replace: "Line twelve.\n" },
              { find: "Old name here\n", replace: "New name here\n" },
            ]
          : [],
      ),
    );
    const patch = github!.state.pullFiles.get(PR)![0]!.patch!;
    const hunks = rightRanges(patch);
    expect(hunks).toHaveLength(3);

    const first = await runPullRequest(setup, { revise: "suggest" });
    expectCleanProtocol();
    expect(first.code).toBe(1); // the head still has its TODOs
    expect(fixture!.head("refs/heads/feature")).toBe(setup.headSha);
    expect(github!.state.reviews).toHaveLength(1);
    expect(github!.state.reviews[0]).toMatchObject({ state: "COMMENTED", commit_id: setup.headSha });
    const comments = () => github!.state.reviewComments;
    expect(comments()).toHaveLength(3);
    for (const comment of comments()) {
      const start = comment.start_line ?? comment.line!;
      expect(
        hunks.some(([from, to]) => from <= start && comment.line! <= to),
        `${start}-${comment.line} in ${JSON.stringify(hunks)}`,
      ).toBe(true);
    }
    expect(
      comments()
        .map((c) => c.line)
        .sort((a, b) => a! - b!),
    ).toEqual([5, 20, 35]);
    // The suggestion that holds a code fence gets a longer fence.
    const fenced = comments().find((c) => c.line === 20)!;
    expect(fenced.body).toContain("````suggestion\nDone two, for example:\n\n```sh\nwidget run\n```\n````");
    expect(comments().find((c) => c.line === 5)!.body).toContain("```suggestion\nDone one.\n```");
    // Line 12 is off the diff: it is in the sticky comment as a unified diff.
    const sticky = () => github!.state.issueComments.filter((c) => c.issue_number === PR);
    expect(sticky()[0]?.body).toContain("-Line 12.\n+Line twelve.");
    expect(sticky()[0]?.body).not.toContain("+Done one.");

    // Same head, same revision: nothing is posted again.
    const ids = comments().map((c) => c.id);
    const second = await runPullRequest(setup, { revise: "suggest" });
    expect(second.code).toBe(1);
    expect(github!.state.reviews).toHaveLength(1);
    expect(comments().map((c) => c.id)).toEqual(ids);
    expect(sticky()).toHaveLength(1);

    // A different revision: the outdated suggestion is removed, the new one added, the rest kept.
    oneFix = "Finished one.\n";
    await runPullRequest(setup, { revise: "suggest" });
    expectCleanProtocol();
    expect(comments()).toHaveLength(3);
    expect(
      comments()
        .filter((c) => c.line === 5)
        .map((c) => c.body),
    ).toEqual([expect.stringContaining("Finished one.")]);
    expect(ids.filter((id) => comments().some((c) => c.id === id))).toHaveLength(2);
    expect(github!.state.reviews).toHaveLength(2);
    expect(github!.requests.filter((r) => r.operationId === "pulls/delete-review-comment")).toHaveLength(1);
  }, 90_000);
});

describe("revise: pr on schedule", () => {
  it("keeps one branch and one pull request, updated in place, refuses a branch with someone else's commit, closes when nothing is left", async () => {
    fixture = createGitFixture({
      "rubrics/guide.md": RUBRIC,
      "docs/guide.md": GUIDE,
      "docs/ok.md": "# Ok\n\n## Install\n\nSee the README.\n",
    });
    github = await startGitHubServer({ owner: OWNER, repo: REPO, gitDir: fixture.bare });
    models = await startModelServer(handler(fixGuide));
    const branch = "refs/heads/rubric-gate/revisions";
    const scheduled = () => {
      const main = fixture!.head("refs/heads/main")!;
      const checkout = fixture!.checkout(main);
      return runAction({
        eventName: "schedule",
        payload: { schedule: "17 3 * * 1" },
        repository: `${OWNER}/${REPO}`,
        sha: main,
        ref: "refs/heads/main",
        workspace: checkout.root,
        apiUrl: github!.url,
        inputs: inputs({ revise: "pr" }),
      });
    };
    const pulls = () => github!.state.pulls;

    // 1. A branch with one revision commit on top of main, and a pull request for it.
    const main1 = fixture.head("refs/heads/main")!;
    const first = await scheduled();
    expect(first.code, first.stdout).toBe(1);
    const bot1 = fixture.head(branch)!;
    expect(bareGit("rev-parse", `${bot1}^`)).toBe(main1);
    expect(bareGit("diff", "--name-only", main1, bot1)).toBe("docs/guide.md");
    expect(fixture.show(bot1, "docs/guide.md")).toBe(GUIDE_REVISED);
    expect(trailer(bot1, "Rubric-Gate")).toBe("revision");
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]).toMatchObject({ state: "open", head: "rubric-gate/revisions", base: "main" });
    expect(pulls()[0]?.body).toContain("docs/guide.md");
    expect(first.outputs["revisions-pull-request"]).toBe(String(pulls()[0]?.number));
    // Its check run is posted (a workflow-token push starts no run): a required check must not hang.
    expect(github.state.checkRuns.find((r) => r.head_sha === bot1)?.conclusion).toBe("success");
    expect(github.state.checkRuns.find((r) => r.head_sha === main1)?.conclusion).toBe("failure");

    // 2. main moves on: the branch is rebuilt on the new head, the same pull request is updated.
    const main2 = fixture.commit(
      "main",
      { "docs/ok.md": "# Ok\n\n## Install\n\nSee the README, twice.\n" },
      "Edit ok",
    );
    const second = await scheduled();
    expect(second.code).toBe(1);
    const bot2 = fixture.head(branch)!;
    expect(bot2).not.toBe(bot1);
    expect(bareGit("rev-parse", `${bot2}^`)).toBe(main2);
    expect(bareGit("diff", "--name-only", main2, bot2)).toBe("docs/guide.md");
    expect(pulls()).toHaveLength(1);
    expect(github.requests.filter((r) => r.operationId === "pulls/create")).toHaveLength(1);
    expect(github.requests.filter((r) => r.operationId === "pulls/update")).toHaveLength(1);

    // 3. Someone pushed to the branch: rubric-gate does not overwrite their commit.
    const theirs = fixture.commit(
      "rubric-gate/revisions",
      { "docs/guide.md": "# Guide, by hand\n" },
      "By hand",
    );
    const third = await scheduled();
    expect(fixture.head(branch)).toBe(theirs);
    expect(third.summary).toContain("did not touch it");
    expect(pulls()).toHaveLength(1);
    fixture.git(["update-ref", branch, bot2, theirs]); // they take their commit back

    // 4. The fix is merged into main: nothing is left to fix, so the pull request is closed and the branch removed.
    fixture.commit("main", { "docs/guide.md": GUIDE_REVISED }, "Merge the revision");
    const fourth = await scheduled();
    expect(fourth.code, fourth.stdout).toBe(0);
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]?.state).toBe("closed");
    expect(fixture.head(branch)).toBeNull();
    const closing = github.state.issueComments.filter((c) => c.issue_number === pulls()[0]?.number);
    expect(closing.map((c) => c.body)).toEqual([expect.stringContaining("nothing is left to fix")]);
    expectCleanProtocol();
  }, 120_000);
});
