/** What the local GitHub server stores and answers, and how a test configures and inspects it. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SeedPullFile {
  filename: string;
  status?: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  previous_filename?: string;
  /** Unified diff hunks; review comments must then sit on a line of the diff. */
  patch?: string;
  additions?: number;
  deletions?: number;
}

export interface Account {
  login: string;
  id: number;
  type: "Bot" | "User";
}

export interface GitHubServerOptions {
  owner: string;
  repo: string;
  /** Files of pull requests by number; every key is an open pull request. */
  pullFiles?: Record<number, SeedPullFile[]>;
  /** Head SHA of the seeded pull requests. */
  headSha?: string;
  /** The account the token belongs to (default `github-actions[bot]`). */
  viewer?: Account;
  /** `false` answers check-run writes 403, like a token without `checks: write`. */
  checksWritable?: boolean;
  /** Branches and their head SHAs (`git/get-ref`). */
  refs?: Record<string, string>;
  /** File contents on the default branch (`repos/get-content`). */
  contents?: Record<string, string>;
  /** File contents at given commits (`repos/get-content?ref=SHA`, `git/get-tree`). */
  contentsAt?: Record<string, Record<string, string>>;
  /** Also check answers against the response schemas (default true). */
  validateResponses?: boolean;
  /**
   * A bare git repository behind the Git Data endpoints (blobs, trees, commits, refs), and behind
   * `repos/get-content` and `git/get-tree` for commits the seeds do not name. Pull requests created
   * through the API take their head SHA from it.
   */
  gitDir?: string;
  /**
   * `pulls/get` of the seeded pull requests: their branches (default head `feature`, base `main`) and,
   * for a fork, the head repository's `owner/name`. Their SHAs are the branches' heads in `gitDir`
   * (live: a push moves them), else `headSha` and the base branch's ref.
   */
  pullRefs?: Record<
    number,
    { headRef?: string; baseRef?: string; headRepo?: string; state?: "open" | "closed" }
  >;
  /** Repository permission per login (`repos/get-collaborator-permission-level`); anyone else has `read`. */
  permissions?: Record<string, "admin" | "maintain" | "write" | "triage" | "read" | "none">;
}

/** A reaction created through the API. */
export interface StoredReaction {
  commentId: number;
  content: string;
  user: Account;
}

/** A pull request created through the API (`pulls/create`). */
export interface StoredPull {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  head: string;
  base: string;
  user: Account;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface CapturedRequest {
  method: string;
  path: string;
  operationId: string | null;
  query: Record<string, string>;
  body: unknown;
  /** The `authorization` header as sent. */
  authorization: string | undefined;
  status: number;
}

export interface Violation {
  method: string;
  path: string;
  operationId: string | null;
  errors: string[];
}

export interface StoredAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: string;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface StoredCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: StoredAnnotation[];
}

export interface StoredIssue {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  user: Account;
  is_pull_request: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface StoredComment {
  id: number;
  issue_number: number;
  body: string;
  user: Account;
  created_at: string;
  updated_at: string;
}

export interface StoredReview {
  id: number;
  pull_number: number;
  body: string;
  state: "PENDING" | "COMMENTED" | "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED";
  commit_id: string;
  user: Account;
  submitted_at: string | null;
}

export interface StoredReviewComment {
  id: number;
  pull_number: number;
  review_id: number;
  path: string;
  body: string;
  line: number | null;
  start_line: number | null;
  side: "LEFT" | "RIGHT";
  commit_id: string;
  user: Account;
  created_at: string;
  updated_at: string;
}

export interface GitHubState {
  checkRuns: StoredCheckRun[];
  issues: StoredIssue[];
  issueComments: StoredComment[];
  pullFiles: Map<number, SeedPullFile[]>;
  reviews: StoredReview[];
  reviewComments: StoredReviewComment[];
  refs: Map<string, string>;
  contents: Map<string, string>;
  contentsAt: Map<string, Map<string, string>>;
  pulls: StoredPull[];
  reactions: StoredReaction[];
}

export interface InjectedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get this answer (default 1). */
  times?: number;
}

export interface GitHubServer {
  url: string;
  requests: CapturedRequest[];
  violations: Violation[];
  responseViolations: Violation[];
  state: GitHubState;
  /** Answers the next matching requests (after validation) with this response: rate limits, 5xx, 403. */
  failNext(operationId: string, response: InjectedResponse): void;
  /** Adds a comment written by someone else (default a human). */
  addIssueComment(issueNumber: number, body: string, user?: Account): StoredComment;
  /** Adds an issue (e.g. an old rolling issue). */
  addIssue(issue: Partial<StoredIssue> & { title: string }): StoredIssue;
  /** Runs `action` when a request for the operation arrives, after validation and before it is answered (races). */
  beforeOperation(operationId: string, action: () => void): void;
  close(): Promise<void>;
}

export const ACTIONS_BOT: Account = { login: "github-actions[bot]", id: 41898282, type: "Bot" };
export const HUMAN: Account = { login: "octocat", id: 583231, type: "User" };

/** Starts the fake GitHub on 127.0.0.1 with a free port. */
