/**
 * The GitHub port: the calls rubric-gate makes and the shapes it reads. The reporting and delivery
 * modules depend on this, not on Octokit; \`github/octokit.ts\` is the adapter.
 */
/** The repository a call is about. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** A GitHub account, as far as this tool needs to know it. */
export interface GitHubUser {
  login: string;
  type: string;
}

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

export type CheckConclusion = "success" | "failure" | "neutral";

export interface CheckOutput {
  title: string;
  summary: string;
  annotations?: CheckAnnotation[];
}

export interface CreateCheckRunParams {
  name: string;
  head_sha: string;
  status: "queued" | "in_progress";
  started_at?: string;
  details_url?: string;
  external_id?: string;
  output?: CheckOutput;
}

export interface UpdateCheckRunParams {
  status?: "in_progress" | "completed";
  conclusion?: CheckConclusion;
  completed_at?: string;
  output?: CheckOutput;
}

export interface CheckRun {
  id: number;
  html_url: string | null;
}

export interface IssueComment {
  id: number;
  body: string;
  html_url: string;
  user: GitHubUser | null;
}

export interface Issue {
  number: number;
  title: string;
  body: string;
  state: string;
  html_url: string;
  labels: string[];
  /** True for pull requests, which the issues API lists too. */
  is_pull_request: boolean;
}

export interface UpdateIssueParams {
  title?: string;
  body?: string;
  state?: "open" | "closed";
  state_reason?: "completed" | "not_planned" | "reopened";
}

export interface PullRequestFile {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  previous_filename?: string;
  patch?: string;
}

/** A pull request, as far as revision delivery needs it. */
export interface PullRequest {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body: string;
  head: { ref: string; sha: string };
  base: { ref: string };
}

/** A comment of a pull request review, on a line of the diff. */
export interface ReviewComment {
  id: number;
  body: string;
  path: string;
  line: number | null;
  start_line: number | null;
  review_id: number | null;
  user: GitHubUser | null;
}

/** A review comment to create: on RIGHT-side lines of the diff, one line or a range. */
export interface DraftReviewComment {
  path: string;
  body: string;
  line: number;
  side: "RIGHT";
  start_line?: number;
  start_side?: "RIGHT";
}

/** A pull request as a comment command needs it: its head and base as they are now, and their repositories. */
export interface PullRequestRefs {
  number: number;
  state: string;
  head: {
    ref: string;
    sha: string;
    /** `owner/name`; null when the fork was deleted. */ repoFullName: string | null;
  };
  base: { ref: string; sha: string; repoFullName: string };
}

/** A repository permission, as the collaborator permission endpoint names it (`none` for no access). */
export type Permission = "admin" | "write" | "read" | "none";

/** The reactions rubric-gate gives a command comment. */
export type Reaction = "eyes" | "rocket" | "confused";

export interface Review {
  id: number;
  body: string;
  html_url: string;
  user: GitHubUser | null;
}

/** The GitHub calls rubric-gate makes: the reporting modules depend on this, not on Octokit. */
export interface GitHubApi {
  createCheckRun(repo: RepoRef, params: CreateCheckRunParams): Promise<CheckRun>;
  updateCheckRun(repo: RepoRef, checkRunId: number, params: UpdateCheckRunParams): Promise<void>;
  /** Every comment of an issue or pull request, oldest first (paginated). */
  listIssueComments(repo: RepoRef, issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(repo: RepoRef, commentId: number, body: string): Promise<IssueComment>;
  /** Every open issue carrying all of the labels (paginated; pull requests included, flagged). */
  listOpenIssues(repo: RepoRef, labels: string[]): Promise<Issue[]>;
  createIssue(repo: RepoRef, params: { title: string; body: string; labels: string[] }): Promise<Issue>;
  updateIssue(repo: RepoRef, issueNumber: number, params: UpdateIssueParams): Promise<Issue>;
  /** The files of a pull request (paginated; GitHub lists at most 3,000). */
  listPullRequestFiles(repo: RepoRef, pullNumber: number): Promise<PullRequestFile[]>;
  /** Paths of every file (blob) in a commit's tree. */
  listTree(repo: RepoRef, commitSha: string): Promise<string[]>;
  /** A file's bytes at a commit, or null when it does not exist there. */
  getFileContent(repo: RepoRef, path: string, ref: string): Promise<Uint8Array | null>;
  /** Pull requests whose head is `owner:branch` (paginated). */
  listPullRequests(
    repo: RepoRef,
    params: { head: string; state: "open" | "closed" | "all" },
  ): Promise<PullRequest[]>;
  createPullRequest(
    repo: RepoRef,
    params: { title: string; head: string; base: string; body: string },
  ): Promise<PullRequest>;
  updatePullRequest(
    repo: RepoRef,
    pullNumber: number,
    params: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<PullRequest>;
  /** Every review comment of a pull request (paginated). */
  listReviewComments(repo: RepoRef, pullNumber: number): Promise<ReviewComment[]>;
  deleteReviewComment(repo: RepoRef, commentId: number): Promise<void>;
  /** Every review of a pull request (paginated). */
  listReviews(repo: RepoRef, pullNumber: number): Promise<Review[]>;
  /** Submits a review (event `COMMENT`) with comments on lines of the diff. */
  createReview(
    repo: RepoRef,
    pullNumber: number,
    params: { commit_id: string; body: string; comments: DraftReviewComment[] },
  ): Promise<Review>;
  updateReview(repo: RepoRef, pullNumber: number, reviewId: number, body: string): Promise<Review>;
  /** A pull request's head and base as they are now. */
  getPullRequest(repo: RepoRef, pullNumber: number): Promise<PullRequestRefs>;
  /** What `username` may do in the repository (the collaborator permission endpoint); `none` when unknown. */
  getPermission(repo: RepoRef, username: string): Promise<Permission>;
  /** Reacts to an issue or pull request comment. */
  addCommentReaction(repo: RepoRef, commentId: number, reaction: Reaction): Promise<void>;
}

/** The HTTP status a failed `GitHubApi` call carries (Octokit's `RequestError`), or undefined. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "status" in error && typeof error.status === "number") {
    return error.status;
  }
  return undefined;
}
