import { UnreadableFileError } from "../ports/files.js";
import * as core from "@actions/core";
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck/light.js";
import { logText } from "../util/redact.js";
import {
  httpStatusOf,
  type GitHubApi,
  type Issue,
  type IssueComment,
  type PullRequest,
  type Review,
} from "../ports/github.js";

export interface GitHubClientOptions {
  /** API root; defaults to `GITHUB_API_URL`, then https://api.github.com. */
  baseUrl?: string;
  userAgent?: string;
  /** Retries after a 5xx or network error (plugin-retry); default 3. */
  retries?: number;
  /** Milliseconds per second of `retry-after` (tests shrink it); default 1000. */
  retryAfterBaseValue?: number;
  /** Where plugin messages go; defaults to the Actions log. */
  log?: { debug(message: string): void; warning(message: string): void };
  /**
   * Space writes as GitHub asks (one a second, comments and issues one every 3 s). Default: on, except
   * for an API on the loopback interface — a local stand-in (tests, `@github/local-action` against a
   * mock) has no secondary rate limits to respect.
   */
  spaceWrites?: boolean;
}

/** True for an API root on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackApi(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** The most rate-limit retries, and the longest wait GitHub may ask for before one: our deadlines win. */
const MAX_LIMIT_RETRIES = 2;
const MAX_RETRY_AFTER_SECONDS = 60;

export type Octokit = ReturnType<typeof getOctokit>;

/** The one place that builds Octokit: Actions defaults, retry and throttling, `GITHUB_API_URL`. */
export function createOctokit(token: string, options: GitHubClientOptions = {}): Octokit {
  const baseUrl = options.baseUrl ?? process.env["GITHUB_API_URL"] ?? "https://api.github.com";
  const spaceWrites = options.spaceWrites ?? !isLoopbackApi(baseUrl);
  // Without spacing, writes still go one at a time; rate-limit answers are still retried (below).
  const unspaced = spaceWrites
    ? {}
    : {
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }),
        notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }),
      };
  // Request URLs carry paths from the pull request: they reach the log as data, made safe.
  const log = options.log ?? {
    debug: (message: string) => {
      core.debug(logText(message));
    },
    warning: (message: string) => {
      core.warning(logText(message));
    },
  };
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const retrying = retryCount < MAX_LIMIT_RETRIES && retryAfter <= MAX_RETRY_AFTER_SECONDS;
      log.warning(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}: ` +
          (retrying
            ? `retrying in ${retryAfter}s (retry ${retryCount + 1} of ${MAX_LIMIT_RETRIES})`
            : `giving up (retry-after ${retryAfter}s, ${retryCount} retries made)`),
      );
      return retrying;
    };
  return getOctokit(
    token,
    {
      baseUrl,
      ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
      log: {
        debug: (message: string) => {
          log.debug(message);
        },
        info: (message: string) => {
          log.debug(message);
        },
        warn: (message: string) => {
          log.warning(message);
        },
        error: (message: string) => {
          log.warning(message);
        },
      },
      retry: { retries: options.retries ?? 3 },
      throttle: {
        onRateLimit: onLimit("primary"),
        onSecondaryRateLimit: onLimit("secondary"),
        retryAfterBaseValue: options.retryAfterBaseValue ?? 1000,
        ...unspaced,
      },
    },
    retry,
    throttling,
  );
}

/** A `GitHubApi` over a real Octokit (see `createOctokit`). */
export function createGitHubApi(token: string, options: GitHubClientOptions = {}): GitHubApi {
  return gitHubApiFrom(createOctokit(token, options));
}

/** Adapts an Octokit to the narrow `GitHubApi`. */
export function gitHubApiFrom(octokit: Octokit): GitHubApi {
  return {
    async createCheckRun(repo, params) {
      const { data } = await octokit.rest.checks.create({ ...repo, ...params });
      return { id: data.id, html_url: data.html_url };
    },
    async updateCheckRun(repo, checkRunId, params) {
      await octokit.rest.checks.update({ ...repo, check_run_id: checkRunId, ...params });
    },
    async listIssueComments(repo, issueNumber) {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        ...repo,
        issue_number: issueNumber,
        per_page: 100,
      });
      return comments.map(toIssueComment);
    },
    async createIssueComment(repo, issueNumber, body) {
      const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
      return toIssueComment(data);
    },
    async updateIssueComment(repo, commentId, body) {
      const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: commentId, body });
      return toIssueComment(data);
    },
    async listOpenIssues(repo, labels) {
      const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
        ...repo,
        state: "open",
        labels: labels.join(","),
        per_page: 100,
      });
      return issues.map(toIssue);
    },
    async createIssue(repo, params) {
      const { data } = await octokit.rest.issues.create({ ...repo, ...params });
      return toIssue(data);
    },
    async updateIssue(repo, issueNumber, params) {
      const { data } = await octokit.rest.issues.update({ ...repo, issue_number: issueNumber, ...params });
      return toIssue(data);
    },
    async listPullRequestFiles(repo, pullNumber) {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
        ...repo,
        pull_number: pullNumber,
        per_page: 100,
      });
      return files.map((file) => ({
        filename: file.filename,
        status: file.status,
        ...(file.previous_filename === undefined ? {} : { previous_filename: file.previous_filename }),
        ...(file.patch === undefined ? {} : { patch: file.patch }),
      }));
    },
    async listTree(repo, commitSha) {
      const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: commitSha, recursive: "1" });
      if (data.truncated) {
        throw new Error(
          `the tree of ${commitSha} is too large for one API call; rubrics cannot be listed from it`,
        );
      }
      return data.tree.flatMap((entry) => (entry.type === "blob" && entry.path ? [entry.path] : []));
    },
    async getFileContent(repo, path, ref) {
      try {
        const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
        // A symbolic link, a submodule or a folder is not a file: never followed.
        if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
        // Over 1 MB the API sends no content (`encoding: "none"`): not an empty file, an unread one.
        if (data.encoding !== "base64") {
          throw new UnreadableFileError(
            path,
            "too_large",
            `${path} is ${data.size} bytes, over what the contents API returns (1 MB)`,
          );
        }
        return new Uint8Array(Buffer.from(data.content, "base64"));
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
    },
    async listPullRequests(repo, params) {
      const pulls = await octokit.paginate(octokit.rest.pulls.list, { ...repo, ...params, per_page: 100 });
      return pulls.map(toPullRequest);
    },
    async createPullRequest(repo, params) {
      const { data } = await octokit.rest.pulls.create({ ...repo, ...params });
      return toPullRequest(data);
    },
    async updatePullRequest(repo, pullNumber, params) {
      const { data } = await octokit.rest.pulls.update({ ...repo, pull_number: pullNumber, ...params });
      return toPullRequest(data);
    },
    async listReviewComments(repo, pullNumber) {
      const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
        ...repo,
        pull_number: pullNumber,
        per_page: 100,
      });
      return comments.map((comment) => ({
        id: comment.id,
        body: comment.body,
        path: comment.path,
        line: comment.line ?? null,
        start_line: comment.start_line ?? null,
        review_id: comment.pull_request_review_id ?? null,
        user: comment.user ? { login: comment.user.login, type: comment.user.type } : null,
      }));
    },
    async deleteReviewComment(repo, commentId) {
      await octokit.rest.pulls.deleteReviewComment({ ...repo, comment_id: commentId });
    },
    async listReviews(repo, pullNumber) {
      const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
        ...repo,
        pull_number: pullNumber,
        per_page: 100,
      });
      return reviews.map(toReview);
    },
    async createReview(repo, pullNumber, params) {
      const { data } = await octokit.rest.pulls.createReview({
        ...repo,
        pull_number: pullNumber,
        event: "COMMENT",
        ...params,
      });
      return toReview(data);
    },
    async updateReview(repo, pullNumber, reviewId, body) {
      const { data } = await octokit.rest.pulls.updateReview({
        ...repo,
        pull_number: pullNumber,
        review_id: reviewId,
        body,
      });
      return toReview(data);
    },
    async getPullRequest(repo, pullNumber) {
      const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
      return {
        number: data.number,
        state: data.state,
        head: { ref: data.head.ref, sha: data.head.sha, repoFullName: data.head.repo?.full_name ?? null },
        base: { ref: data.base.ref, sha: data.base.sha, repoFullName: data.base.repo.full_name },
      };
    },
    async getPermission(repo, username) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
        const level = data.permission;
        return level === "admin" || level === "write" || level === "read" ? level : "none";
      } catch (error) {
        // Not a user GitHub knows here: no access, never an error that stops the check of who asked.
        if (httpStatusOf(error) === 404) return "none";
        throw error;
      }
    },
    async addCommentReaction(repo, commentId, reaction) {
      await octokit.rest.reactions.createForIssueComment({
        ...repo,
        comment_id: commentId,
        content: reaction,
      });
    },
  };
}

interface RawPullRequest {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
}

function toPullRequest(data: RawPullRequest): PullRequest {
  return {
    number: data.number,
    html_url: data.html_url,
    state: data.state,
    title: data.title,
    body: data.body ?? "",
    head: { ref: data.head.ref, sha: data.head.sha },
    base: { ref: data.base.ref },
  };
}

function toReview(data: {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: string } | null;
}): Review {
  return {
    id: data.id,
    body: data.body,
    html_url: data.html_url,
    user: data.user ? { login: data.user.login, type: data.user.type } : null,
  };
}

interface RawComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string; type: string } | null;
}

function toIssueComment(data: RawComment): IssueComment {
  return {
    id: data.id,
    body: data.body ?? "",
    html_url: data.html_url,
    user: data.user ? { login: data.user.login, type: data.user.type } : null,
  };
}

interface RawIssue {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  html_url: string;
  labels: (string | { name?: string })[];
  pull_request?: unknown;
}

function toIssue(data: RawIssue): Issue {
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? "",
    state: data.state,
    html_url: data.html_url,
    labels: data.labels.map((label) => (typeof label === "string" ? label : (label.name ?? ""))),
    is_pull_request: data.pull_request != null,
  };
}
