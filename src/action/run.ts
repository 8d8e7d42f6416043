import { resolve } from "node:path";
import * as core from "@actions/core";
import * as github from "@actions/github";
import { glob } from "glob";
import { deliverRevisions, planDelivery } from "../delivery/deliver.js";
import { pendingReason, renderRevisions, revisionState } from "../delivery/render.js";
import type { Delivery } from "../delivery/types.js";
import { reportAt } from "../report/at-commit.js";
import { runGrade } from "../engine/run.js";
import type { FileSource } from "../ports/files.js";
import { createWorkspaceSource } from "../fs/workspace.js";
import { createGitRemote } from "../github/git-data.js";
import { type GitRemote } from "../ports/git.js";
import { isRevisionCommit } from "../git/trailers.js";
import { completeCheck, fallbackNotice, startCheck, type CheckHandle } from "../github/checks.js";
import { upsertStickyComment } from "../github/comment.js";
import { listChangedFiles, parseEvent, type ChangedFile, type RunEvent } from "../github/event.js";
import { createOctokit, gitHubApiFrom } from "../github/octokit.js";
import { type GitHubApi, type RepoRef } from "../ports/github.js";
import { syncRollingIssue } from "../github/rolling-issue.js";
import { createFileVerdictStore } from "../fs/verdict-store.js";
import { createModels } from "../providers/models.js";
import { systemClock } from "../providers/retry.js";
import { ReportSchema } from "../report/schema.js";
import { loadRubrics } from "../rubric/load.js";
import { VERSION } from "../version.js";
import { createCommitSource, memoize } from "../github/commit-source.js";
import { pullRequestPaths } from "./files.js";
import { modelEnv, skipReason } from "./preflight.js";
import { pathGlobs, readInputs, type Inputs } from "./inputs.js";
import { log } from "./log.js";
import { fencedBlock } from "../report/markdown.js";
import { safeText } from "../util/redact.js";
import {
  checkTitle,
  conclusionOf,
  outcomeOf,
  publishCheck,
  publishSkip,
  setOutputs,
  summaryWith,
  writeReport,
} from "./publish.js";

// GitHub's job summary holds 1 MiB per step; keep well under it.
const JOB_SUMMARY_LIMIT = 512 * 1024;
const COMMENT_LIMIT = 65_000;

/** The Action: read inputs, decide what to grade, grade, deliver revisions, report. Catches once, and never leaves a check hanging. */
export async function run(): Promise<void> {
  const open: Array<{ api: GitHubApi; handle: CheckHandle }> = [];
  try {
    const inputs = readInputs((name) => core.getInput(name));
    for (const secret of [inputs["openai-api-key"], inputs["anthropic-api-key"], inputs["github-token"]]) {
      if (secret) core.setSecret(secret);
    }
    const token = inputs["github-token"] ?? process.env["GITHUB_TOKEN"] ?? "";
    if (!token) throw new Error('input "github-token" is empty: pass `github-token: ${{ github.token }}`');
    const octokit = createOctokit(token);
    const api = gitHubApiFrom(octokit);
    const repo: RepoRef = github.context.repo;
    const git = createGitRemote(octokit, repo);
    const event = parseEvent({
      eventName: github.context.eventName,
      payload: github.context.payload,
      sha: github.context.sha,
      ref: github.context.ref,
    });
    if (event.kind === "unsupported") {
      log.warning(event.reason);
      setOutputs("skipped", "neutral", null, null);
      return;
    }
    const headSha = event.kind === "pull_request" ? event.headSha : event.sha;
    const env = modelEnv(inputs);

    core.startGroup("rubric-gate: check run");
    const handle = await startCheck(api, { repo, name: inputs["check-name"], headSha, detailsUrl: runUrl() });
    open.push({ api, handle });
    core.endGroup();

    const skip = skipReason(event, inputs, env);
    if (skip) {
      await publishSkip(api, handle, skip);
      open.length = 0;
      setOutputs("skipped", "neutral", null, null);
      return;
    }

    core.startGroup("rubric-gate: files to grade");
    const workspaceRoot = process.env["GITHUB_WORKSPACE"] ?? process.cwd();
    const generatedGlobs = pathGlobs(inputs);
    const workspace = createWorkspaceSource(workspaceRoot, { include: generatedGlobs, links: "never" });
    const generated = generatedGlobs.length
      ? await glob(generatedGlobs, { cwd: workspaceRoot, dot: true, nodir: true, posix: true })
      : [];
    let rubricSource: FileSource = workspace;
    let paths: string[] | undefined;
    let changed: ChangedFile[] = [];
    if (event.kind === "pull_request") {
      rubricSource = memoize(createCommitSource(api, repo, event.baseSha));
      const { rubrics } = await loadRubrics(rubricSource, inputs.rubrics);
      changed = await listChangedFiles(api, repo.owner, repo.repo, event.number);
      paths = pullRequestPaths({
        rubrics,
        changed: changed.map((file) => file.path),
        workspaceFiles: await workspace.list(),
        generated,
      });
      log.info(
        `Rubrics from the base commit ${event.baseSha}; ${changed.length} changed file(s), ${paths.length} to grade.`,
      );
    } else {
      log.info(`Grading every file the rubrics match at ${event.sha}.`);
    }
    const plan = planDelivery(inputs.revise, event, await headIsRevision(git, event, inputs));
    log.info(plan.revise ? `Revising; delivery: ${plan.strategy}.` : `Not revising: ${plan.reason}.`);
    core.endGroup();

    core.startGroup("rubric-gate: grading");
    const clock = systemClock;
    const deadline =
      inputs["budget-seconds"] === undefined ? undefined : clock.now() + inputs["budget-seconds"] * 1000;
    // One rate-limit signal slows every worker, a dead endpoint is asked once; one verdict store, kept
    // between runs by actions/cache.
    const models = createModels({
      env,
      timeoutMs: inputs["timeout-seconds"] * 1000,
      jsonMode: inputs["json-mode"],
      clock,
      ...(deadline === undefined ? {} : { deadline }),
    });
    const cacheDir = inputs["cache-dir"];
    const verdictStore = cacheDir
      ? await createFileVerdictStore(resolve(workspaceRoot, cacheDir))
      : undefined;
    let done = 0;
    const seenReasons = new Set<string>();
    const { report, revisions } = await runGrade({
      ...(verdictStore
        ? {
            verdictStore,
            onCacheError: (error: unknown) => {
              log.warning(
                `rubric-gate: the verdict cache failed: ${error instanceof Error ? error.message : String(error)}`,
              );
            },
          }
        : {}),
      workspace,
      rubricSource,
      rubricsGlob: inputs.rubrics,
      ...(paths ? { paths } : {}),
      judge: inputs.judge?.[0] ?? null,
      judges: inputs.judge ?? [],
      judgeSamples: inputs["judge-samples"],
      writer: inputs.writer ?? null,
      models: (spec, role) => models.client(spec, role),
      revise: plan.revise,
      ...(plan.revise ? {} : { reviseOffReason: plan.reason }),
      ...(inputs["max-iterations"] === undefined ? {} : { maxIterations: inputs["max-iterations"] }),
      concurrency: inputs.concurrency,
      maxFileBytes: inputs["max-file-bytes"],
      ...(deadline === undefined ? {} : { deadline }),
      ...(inputs["max-tokens"] === undefined ? {} : { maxTokens: inputs["max-tokens"] }),
      ...(inputs["max-cost"] === undefined ? {} : { maxCostUsd: inputs["max-cost"] }),
      clock,
      toolVersion: VERSION,
      onNotice: (message) => {
        log.warning(`rubric-gate: ${message}`);
      },
      onFile: (file) => {
        done++;
        let reason = "";
        if (file.reason) {
          reason = seenReasons.has(file.reason) ? " (same reason as above)" : ` — ${log.name(file.reason)}`;
          seenReasons.add(file.reason);
        }
        log.info(`[${done}] ${log.name(file.path)} (${log.name(file.rubric)}): ${file.result}${reason}`);
      },
    });
    ReportSchema.parse(report);
    core.endGroup();

    let delivery: Delivery | null = null;
    if (plan.revise) {
      core.startGroup("rubric-gate: revisions");
      delivery = await deliverRevisions({
        strategy: plan.strategy,
        note: plan.note,
        api,
        git,
        repo,
        report,
        revisions,
        generated: new Set(generated),
        maxFileBytes: inputs["max-file-bytes"],
        target:
          event.kind === "pull_request"
            ? {
                kind: "pull_request",
                number: event.number,
                headSha: event.headSha,
                headRef: event.headRef,
                changed,
              }
            : { kind: "branch", branch: branchOf(event.ref), sha: event.sha },
        runUrl: runUrl(),
      });
      for (const file of delivery.files) log.info(`${log.name(file.path)}: ${file.state}`);
      for (const note of delivery.notes) log.notice(note);
      core.endGroup();
    }

    core.startGroup("rubric-gate: report");
    const reportPath = await writeReport(report);
    const pushed = delivery?.pushed ?? null;
    const headView = reportAt(report, new Set(), pendingReason(delivery));
    const section = (limit: number): string => (delivery ? renderRevisions(delivery, limit) : "");
    const headNotices =
      pushed && plan.revise && plan.strategy === "commit"
        ? [
            `rubric-gate committed its revision as ${pushed.sha} on ${pushed.branch}; that commit has its own check run.`,
          ]
        : [];
    const headConclusion = await publishCheck(api, handle, headView, {
      inputs,
      notices: headNotices,
      extra: section(15_000),
      revisionState: revisionState(delivery),
    });
    open.length = 0;
    // The commit rubric-gate pushed starts no workflow run (workflow-token pushes never do): its check
    // is posted here, from the verdicts the judge gave the revised versions, or a required check would hang.
    let current = { view: headView, conclusion: headConclusion };
    if (pushed) {
      const pushedHandle = await startCheck(api, {
        repo,
        name: inputs["check-name"],
        headSha: pushed.sha,
        detailsUrl: runUrl(),
      });
      const view = reportAt(report, new Set(pushed.paths), pendingReason(delivery));
      let conclusion = conclusionOf(view, inputs);
      // Without `checks: write` the annotations already went to the log once; there is no check to post.
      if (pushedHandle.kind === "check-run") {
        open.push({ api, handle: pushedHandle });
        conclusion = await publishCheck(api, pushedHandle, view, {
          inputs,
          notices: [
            `The revision rubric-gate committed on top of ${headSha}, graded by the judge before the push.`,
          ],
          revisionState: revisionState(delivery),
        });
        open.length = 0;
      }
      if (plan.revise && plan.strategy === "commit") current = { view, conclusion };
    }
    await core.summary
      .addRaw(
        summaryWith(current.view, JOB_SUMMARY_LIMIT, section(200_000), {
          notices: [
            ...(handle.kind === "workflow-commands" ? [fallbackNotice(handle.reason)] : []),
            ...headNotices,
          ],
          revisionState: revisionState(delivery),
        }),
        true,
      )
      .write();
    if (event.kind === "pull_request" && inputs.comment) {
      await bestEffort("sticky comment", async () => {
        const body = summaryWith(current.view, COMMENT_LIMIT, section(30_000), {
          revisionState: revisionState(delivery),
        });
        const result = await upsertStickyComment(api, { repo, issueNumber: event.number, body });
        log.info(`Sticky comment ${result.action}: ${result.url}`);
      });
    }
    if (event.kind === "full" && event.eventName === "schedule") {
      await bestEffort("rolling issue", async () => {
        const result = await syncRollingIssue(api, {
          repo,
          report: headView,
          runUrl: runUrl(),
          sha: event.sha,
        });
        log.info(`Rolling issue: ${result.action}${result.url ? ` ${result.url}` : ""}`);
      });
    }
    setOutputs(outcomeOf(current.conclusion, current.view), current.conclusion, current.view, reportPath, {
      sha: pushed?.sha ?? null,
      pullRequest:
        delivery?.pullRequest?.action === "closed" ? null : (delivery?.pullRequest?.number ?? null),
    });
    core.endGroup();
    if (current.conclusion === "failure") log.failed(checkTitle(current.view, current.conclusion));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A required check must not hang in_progress: close every open one as a failure with the reason.
    for (const { api, handle } of open) {
      await bestEffort("closing the check run", () =>
        completeCheck(api, handle, {
          conclusion: "failure",
          title: "rubric-gate could not finish",
          summary: `rubric-gate stopped with an error:\n\n${fencedBlock(safeText(message, 20_000))}`,
          annotations: [],
        }).then(() => undefined),
      );
    }
    core.setOutput("result", "error");
    log.failed(message);
  }
}

/** Whether the pull request's head commit is rubric-gate's own revision; null when it cannot be read. */
async function headIsRevision(git: GitRemote, event: RunEvent, inputs: Inputs): Promise<boolean | null> {
  if (inputs.revise === "off" || event.kind !== "pull_request") return false;
  try {
    return isRevisionCommit((await git.readCommit(event.headSha)).message);
  } catch (error) {
    log.warning(`rubric-gate: could not read the head commit ${event.headSha}: ${String(error)}`);
    return null;
  }
}

function branchOf(ref: string | null): string | null {
  return ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
}

function runUrl(): string {
  const { serverUrl, runId } = github.context;
  const repository = process.env["GITHUB_REPOSITORY"] ?? "";
  return `${serverUrl}/${repository}/actions/runs/${runId}`;
}

async function bestEffort(what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    log.warning(`rubric-gate: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
