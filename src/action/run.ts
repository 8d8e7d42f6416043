import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as core from "@actions/core";
import * as github from "@actions/github";
import { glob } from "glob";
import { runGrade } from "../engine/run.js";
import type { FileSource } from "../engine/ports.js";
import { createWorkspaceSource } from "../fs/workspace.js";
import { buildAnnotations } from "../github/annotations.js";
import {
  completeCheck,
  conclusionFor,
  fallbackNotice,
  startCheck,
  type CheckHandle,
} from "../github/checks.js";
import { upsertStickyComment } from "../github/comment.js";
import { listChangedFiles, parseEvent, type RunEvent } from "../github/event.js";
import { CHECK_SUMMARY_LIMIT, renderSummary } from "../github/markdown.js";
import { createGitHubApi, type CheckConclusion, type GitHubApi, type RepoRef } from "../github/octokit.js";
import { syncRollingIssue } from "../github/rolling-issue.js";
import { createModelClient } from "../providers/factory.js";
import { systemClock } from "../providers/retry.js";
import { ModelError } from "../providers/types.js";
import { ReportSchema, type Report } from "../report/schema.js";
import { loadRubrics } from "../rubric/load.js";
import { VERSION } from "../version.js";
import { createCommitSource } from "./base-source.js";
import { pullRequestPaths } from "./files.js";
import { pathGlobs, readInputs, type Inputs } from "./inputs.js";

// GitHub's job summary holds 1 MiB per step; keep well under it.
const JOB_SUMMARY_LIMIT = 512 * 1024;
const COMMENT_LIMIT = 65_000;

/** The Action: read inputs, decide what to grade, grade, report. Catches once, and never leaves a check hanging. */
export async function run(): Promise<void> {
  let check: { api: GitHubApi; handle: CheckHandle } | undefined;
  try {
    const inputs = readInputs((name) => core.getInput(name));
    for (const secret of [inputs["openai-api-key"], inputs["anthropic-api-key"], inputs["github-token"]]) {
      if (secret) core.setSecret(secret);
    }
    const token = inputs["github-token"] ?? process.env["GITHUB_TOKEN"] ?? "";
    if (!token) throw new Error('input "github-token" is empty: pass `github-token: ${{ github.token }}`');
    const api = createGitHubApi(token);
    const repo: RepoRef = github.context.repo;
    const event = parseEvent({
      eventName: github.context.eventName,
      payload: github.context.payload,
      sha: github.context.sha,
      ref: github.context.ref,
    });
    if (event.kind === "unsupported") {
      core.warning(event.reason);
      setOutputs("skipped", "neutral", null, null);
      return;
    }
    const headSha = event.kind === "pull_request" ? event.headSha : event.sha;
    const env = modelEnv(inputs);

    core.startGroup("rubric-gate: check run");
    const handle = await startCheck(api, { repo, name: inputs["check-name"], headSha, detailsUrl: runUrl() });
    check = { api, handle };
    core.endGroup();

    const skip = skipReason(event, inputs, env);
    if (skip) {
      await publishSkip(api, handle, skip);
      setOutputs("skipped", "neutral", null, null);
      return;
    }

    core.startGroup("rubric-gate: files to grade");
    const workspaceRoot = process.env["GITHUB_WORKSPACE"] ?? process.cwd();
    const generatedGlobs = pathGlobs(inputs);
    const workspace = createWorkspaceSource(workspaceRoot, { include: generatedGlobs });
    const generated = generatedGlobs.length
      ? await glob(generatedGlobs, { cwd: workspaceRoot, dot: true, nodir: true, posix: true })
      : [];
    let rubricSource: FileSource = workspace;
    let paths: string[] | undefined;
    if (event.kind === "pull_request") {
      rubricSource = memoize(createCommitSource(api, repo, event.baseSha));
      const { rubrics } = await loadRubrics(rubricSource, inputs.rubrics);
      const changed = await listChangedFiles(api, repo.owner, repo.repo, event.number);
      paths = pullRequestPaths({
        rubrics,
        changed: changed.map((file) => file.path),
        workspaceFiles: await workspace.list(),
        generated,
      });
      core.info(
        `Rubrics from the base commit ${event.baseSha}; ${changed.length} changed file(s), ${paths.length} to grade.`,
      );
    } else {
      core.info(`Grading every file the rubrics match at ${event.sha}.`);
    }
    core.endGroup();

    core.startGroup("rubric-gate: grading");
    const clock = systemClock;
    const deadline =
      inputs["budget-seconds"] === undefined ? undefined : clock.now() + inputs["budget-seconds"] * 1000;
    let done = 0;
    const { report } = await runGrade({
      workspace,
      rubricSource,
      rubricsGlob: inputs.rubrics,
      ...(paths ? { paths } : {}),
      judge: inputs.judge ?? null,
      writer: inputs.writer ?? null,
      models: (spec) =>
        createModelClient(spec, {
          env,
          timeoutMs: inputs["timeout-seconds"] * 1000,
          jsonMode: inputs["json-mode"],
          retry: { clock, ...(deadline === undefined ? {} : { deadline }) },
        }),
      revise: false,
      reviseOffReason: "revise is off",
      ...(inputs["max-iterations"] === undefined ? {} : { maxIterations: inputs["max-iterations"] }),
      concurrency: inputs.concurrency,
      maxFileBytes: inputs["max-file-bytes"],
      ...(deadline === undefined ? {} : { deadline }),
      ...(inputs["max-tokens"] === undefined ? {} : { maxTokens: inputs["max-tokens"] }),
      ...(inputs["max-cost"] === undefined ? {} : { maxCostUsd: inputs["max-cost"] }),
      clock,
      toolVersion: VERSION,
      onFile: (file) => {
        done++;
        core.info(
          `[${done}] ${file.path} (${file.rubric}): ${file.result}${file.reason ? ` — ${file.reason}` : ""}`,
        );
      },
    });
    ReportSchema.parse(report);
    core.endGroup();

    core.startGroup("rubric-gate: report");
    const reportPath = await writeReport(report);
    const conclusion = conclusionFor(report, {
      failOn: inputs["fail-on"],
      graderError: inputs["on-grader-error"],
    });
    const notices = handle.kind === "workflow-commands" ? [fallbackNotice(handle.reason)] : [];
    const hint = "the report artifact (output `report-path`) and the job summary";
    const publication = await completeCheck(api, handle, {
      conclusion,
      title: checkTitle(report, conclusion),
      summary: renderSummary(report, { maxLength: CHECK_SUMMARY_LIMIT, fullReportHint: hint, notices }),
      annotations: buildAnnotations(report, { version: "original" }),
    });
    core.info(`Published ${publication.annotations} annotation(s) via ${publication.path}.`);
    await core.summary.addRaw(renderSummary(report, { maxLength: JOB_SUMMARY_LIMIT, notices }), true).write();
    if (event.kind === "pull_request" && inputs.comment) {
      await bestEffort("sticky comment", async () => {
        const body = renderSummary(report, { maxLength: COMMENT_LIMIT, fullReportHint: hint });
        const result = await upsertStickyComment(api, { repo, issueNumber: event.number, body });
        core.info(`Sticky comment ${result.action}: ${result.url}`);
      });
    }
    if (event.kind === "full" && event.eventName === "schedule") {
      await bestEffort("rolling issue", async () => {
        const result = await syncRollingIssue(api, { repo, report, runUrl: runUrl(), sha: event.sha });
        core.info(`Rolling issue: ${result.action}${result.url ? ` ${result.url}` : ""}`);
      });
    }
    setOutputs(outcomeOf(conclusion, report), conclusion, report, reportPath);
    core.endGroup();
    if (conclusion === "failure") core.setFailed(checkTitle(report, conclusion));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (check) {
      const { api, handle } = check;
      // A required check must not hang in_progress: close it as a failure with the reason.
      await bestEffort("closing the check run", () =>
        completeCheck(api, handle, {
          conclusion: "failure",
          title: "rubric-gate could not finish",
          summary: `rubric-gate stopped with an error:\n\n    ${message.replace(/\n/g, "\n    ")}`,
          annotations: [],
        }).then(() => undefined),
      );
    }
    core.setOutput("result", "error");
    core.setFailed(message);
  }
}

/** The model keys and base URLs, from inputs first, then the job's environment. */
function modelEnv(inputs: Inputs): Record<string, string | undefined> {
  return {
    ...process.env,
    OPENAI_API_KEY: inputs["openai-api-key"] ?? process.env["OPENAI_API_KEY"],
    ANTHROPIC_API_KEY: inputs["anthropic-api-key"] ?? process.env["ANTHROPIC_API_KEY"],
    OPENAI_BASE_URL: inputs["openai-base-url"] ?? process.env["OPENAI_BASE_URL"],
    ANTHROPIC_BASE_URL: inputs["anthropic-base-url"] ?? process.env["ANTHROPIC_BASE_URL"],
  };
}

/** Why grading is skipped with a neutral check, with what to configure; null when it can run. */
function skipReason(event: RunEvent, inputs: Inputs, env: Record<string, string | undefined>): string | null {
  if (event.kind === "pull_request" && event.isFork) {
    return (
      "This pull request comes from a fork. Workflows on fork pull requests get no secrets and a read-only " +
      "token, so rubric-gate does not grade them and pushes nothing. A maintainer can grade the branch after " +
      "merging, or run `rubric-gate grade` locally."
    );
  }
  if (!inputs.judge) {
    return "No judge is configured. Set the `judge` input, e.g. `judge: openai:gpt-4.1` with `openai-api-key: ${{ secrets.OPENAI_API_KEY }}`.";
  }
  try {
    createModelClient(inputs.judge, { env, retry: { clock: systemClock } });
  } catch (error) {
    if (error instanceof ModelError && error.kind === "auth") {
      return `The judge ${inputs.judge} has no key here: ${error.message}. Add the key as a repository secret and pass it to the matching input (openai-api-key or anthropic-api-key).`;
    }
    throw error;
  }
  return null;
}

async function publishSkip(api: GitHubApi, handle: CheckHandle, reason: string): Promise<void> {
  const summary = `## rubric-gate: grading skipped\n\n${reason}`;
  await completeCheck(api, handle, {
    conclusion: "neutral",
    title: "Grading skipped",
    summary,
    annotations: [],
  });
  await core.summary.addRaw(summary, true).write();
  core.notice(reason);
}

function checkTitle(report: Report, conclusion: CheckConclusion): string {
  const graded = report.files.filter((f) => f.result !== "skipped").length;
  const satisfied = report.gate.counts.satisfied;
  if (report.config_errors.length)
    return `${report.config_errors.length} configuration error(s) in the rubrics`;
  if (graded === 0) return "No file to grade";
  const errors = report.gate.counts.grader_error;
  const verdict = conclusion === "success" ? "passed" : conclusion === "neutral" ? "did not block" : "failed";
  return `${satisfied}/${graded} file(s) satisfied their rubric${errors ? `, ${errors} grader error(s)` : ""}: ${verdict}`;
}

function outcomeOf(conclusion: CheckConclusion, report: Report): string {
  if (report.gate.exit_code === 3) return "error";
  return conclusion === "success" ? "passed" : conclusion === "neutral" ? "skipped" : "failed";
}

function setOutputs(
  result: string,
  conclusion: CheckConclusion,
  report: Report | null,
  reportPath: string | null,
): void {
  core.setOutput("result", result);
  core.setOutput("conclusion", conclusion);
  core.setOutput("report-path", reportPath ?? "");
  const graded = report?.files.filter((f) => f.result !== "skipped") ?? [];
  core.setOutput("files-graded", graded.length);
  core.setOutput("files-satisfied", graded.filter((f) => f.result === "satisfied").length);
  core.setOutput("files-failing", graded.filter((f) => f.result !== "satisfied").length);
  const scores = graded.map((f) => f.best_score).filter((s): s is number => s !== null);
  core.setOutput(
    "score",
    scores.length ? (scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(3) : "",
  );
}

async function writeReport(report: Report): Promise<string> {
  const dir = join(process.env["RUNNER_TEMP"] ?? process.cwd(), "rubric-gate");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "report.json");
  await writeFile(path, JSON.stringify(report, null, 2) + "\n");
  return path;
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
    core.warning(`rubric-gate: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads each file once: rubrics are read to plan the run and again to grade it. */
function memoize(source: FileSource): FileSource {
  const reads = new Map<string, Promise<Uint8Array | null>>();
  return {
    list: () => source.list(),
    glob: (pattern) => source.glob(pattern),
    read(path) {
      let read = reads.get(path);
      if (!read) reads.set(path, (read = source.read(path)));
      return read;
    },
  };
}
