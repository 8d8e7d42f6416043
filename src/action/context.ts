import * as core from "@actions/core";
import * as github from "@actions/github";
import { readCommentEvent, type CommentEvent } from "../github/comment-command.js";
import { parseEvent, type RunEvent } from "../github/event.js";
import { createGitRemote } from "../github/git-data.js";
import { createOctokit, gitHubApiFrom } from "../github/octokit.js";
import type { GitRemote } from "../ports/git.js";
import type { GitHubApi, RepoRef } from "../ports/github.js";
import { readInputs, type Inputs } from "./inputs.js";
import { modelEnv } from "./preflight.js";

export type SupportedEvent = Exclude<RunEvent, { kind: "unsupported" }>;

/** What every phase of a run reads: the inputs, the repository and its APIs, the event. */
export interface ActionContext {
  inputs: Inputs;
  api: GitHubApi;
  git: GitRemote;
  repo: RepoRef;
  event: SupportedEvent;
  /** The commit the check run goes on. */
  headSha: string;
  /** Model keys and base URLs (inputs first, then the job's environment). */
  env: Record<string, string | undefined>;
  workspaceRoot: string;
  runUrl: string;
}

/** The connection before the event is known: everything of `ActionContext` but what the event decides. */
export type Connection = Omit<ActionContext, "event" | "headSha">;

/**
 * Reads the inputs (masking every secret first), connects to GitHub and reads the event. An event the
 * Action does not grade comes back as `{ unsupported }` with the reason; a pull request comment as
 * `{ comment }`, for `acceptComment` to decide (its pull request is read from the API).
 */
export function connect():
  ActionContext | { unsupported: string } | { comment: CommentEvent; connection: Connection } {
  const inputs = readInputs((name) => core.getInput(name));
  for (const secret of [inputs["openai-api-key"], inputs["anthropic-api-key"], inputs["github-token"]]) {
    if (secret) core.setSecret(secret);
  }
  const token = inputs["github-token"] ?? process.env["GITHUB_TOKEN"] ?? "";
  if (!token) throw new Error('input "github-token" is empty: pass `github-token: ${{ github.token }}`');
  const octokit = createOctokit(token);
  const repo: RepoRef = github.context.repo;
  const connection: Connection = {
    inputs,
    api: gitHubApiFrom(octokit),
    git: createGitRemote(octokit, repo),
    repo,
    env: modelEnv(inputs),
    workspaceRoot: process.env["GITHUB_WORKSPACE"] ?? process.cwd(),
    runUrl: runUrl(),
  };
  if (github.context.eventName === "issue_comment") {
    return { comment: readCommentEvent(github.context.payload), connection };
  }
  const event = parseEvent({
    eventName: github.context.eventName,
    payload: github.context.payload,
    sha: github.context.sha,
    ref: github.context.ref,
  });
  if (event.kind === "unsupported") return { unsupported: event.reason };
  return { ...connection, event, headSha: event.kind === "pull_request" ? event.headSha : event.sha };
}

function runUrl(): string {
  const { serverUrl, runId } = github.context;
  const repository = process.env["GITHUB_REPOSITORY"] ?? "";
  return `${serverUrl}/${repository}/actions/runs/${runId}`;
}
