/** GitHub-shaped JSON for what the server stores: users, check runs, issues, pulls, reviews, git objects. */
import { createRequire } from "node:module";
import type { CommitObject } from "../git-data.js";
import type {
  Json,
  SeedPullFile,
  Account,
  StoredPull,
  StoredCheckRun,
  StoredIssue,
  StoredComment,
  StoredReview,
  StoredReviewComment,
} from "./types.js";
import type { World } from "./world.js";

const require = createRequire(import.meta.url);

/** A real pull request object (from @octokit/webhooks-examples) that `pulls/*` answers are made from. */
function pullTemplate(): Record<string, unknown> {
  const examples = require("@octokit/webhooks-examples") as Array<{
    name: string;
    examples: Array<Record<string, unknown>>;
  }>;
  const opened = examples
    .find((d) => d.name === "pull_request")
    ?.examples.find((e) => e["action"] === "opened");
  return structuredClone(opened?.["pull_request"] as Record<string, unknown>);
}

export type Shapes = ReturnType<typeof shapes>;

export function shapes(world: World) {
  const { state, options, base, repoPath, htmlRepo, headSha, gitData, labelIds } = world;
  function userJson(user: Account): Json {
    const url = `${base}/users/${encodeURIComponent(user.login)}`;
    return {
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
      gravatar_id: "",
      url,
      html_url: `https://github.com/${encodeURIComponent(user.login)}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: user.type,
      user_view_type: "public",
      site_admin: false,
    };
  }

  function checkRunJson(run: StoredCheckRun): Json {
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      external_id: run.external_id ?? "",
      url: `${base}${repoPath}/check-runs/${run.id}`,
      html_url: `${htmlRepo}/runs/${run.id}`,
      details_url: run.details_url ?? `${htmlRepo}/runs/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at,
      completed_at: run.completed_at,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.annotations.length,
        annotations_url: `${base}${repoPath}/check-runs/${run.id}/annotations`,
      },
      name: run.name,
      check_suite: { id: 5000 + run.id },
      app: {
        id: 15368,
        slug: "github-actions",
        node_id: "MDM6QXBwMTUzNjg=",
        owner: userJson({ login: "github", id: 9919, type: "User" }),
        name: "GitHub Actions",
        description: "Automate your workflow from idea to production",
        external_url: "https://help.github.com/en/actions",
        html_url: "https://github.com/apps/github-actions",
        created_at: "2018-07-30T09:30:17Z",
        updated_at: "2019-12-10T19:04:12Z",
        permissions: { checks: "write", contents: "write", issues: "write", metadata: "read" },
        events: ["check_run", "pull_request", "push"],
      },
      pull_requests: [],
    };
  }

  function labelJson(name: string): Json {
    const id = labelIds.get(name) ?? 7000 + labelIds.size;
    labelIds.set(name, id);
    return {
      id,
      node_id: `LA_${id}`,
      url: `${base}${repoPath}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: "ededed",
      default: false,
    };
  }

  function issueJson(issue: StoredIssue): Json {
    const url = `${base}${repoPath}/issues/${issue.number}`;
    const kind = issue.is_pull_request ? "pull" : "issues";
    const json: { [key: string]: Json } = {
      id: 90_000 + issue.number,
      node_id: `I_${issue.number}`,
      url,
      repository_url: `${base}${repoPath}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${htmlRepo}/${kind}/${issue.number}`,
      number: issue.number,
      state: issue.state,
      state_reason: issue.state_reason,
      title: issue.title,
      body: issue.body,
      user: userJson(issue.user),
      labels: issue.labels.map(labelJson),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: state.issueComments.filter((c) => c.issue_number === issue.number).length,
      closed_at: issue.closed_at,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      author_association: issue.user.type === "Bot" ? "NONE" : "OWNER",
    };
    if (issue.is_pull_request) {
      json["pull_request"] = {
        url: `${base}${repoPath}/pulls/${issue.number}`,
        html_url: `${htmlRepo}/pull/${issue.number}`,
        diff_url: `${htmlRepo}/pull/${issue.number}.diff`,
        patch_url: `${htmlRepo}/pull/${issue.number}.patch`,
        merged_at: null,
      };
    }
    return json;
  }

  function commentJson(comment: StoredComment): Json {
    const issue = state.issues.find((i) => i.number === comment.issue_number);
    const kind = issue?.is_pull_request === true ? "pull" : "issues";
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${base}${repoPath}/issues/comments/${comment.id}`,
      html_url: `${htmlRepo}/${kind}/${comment.issue_number}#issuecomment-${comment.id}`,
      issue_url: `${base}${repoPath}/issues/${comment.issue_number}`,
      body: comment.body,
      user: userJson(comment.user),
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      author_association: comment.user.type === "Bot" ? "NONE" : "OWNER",
    };
  }

  function refJson(ref: string, sha: string): Json {
    return {
      ref,
      node_id: `REF_${ref}`,
      url: `${base}${repoPath}/git/${ref}`,
      object: { type: "commit", sha, url: `${base}${repoPath}/git/commits/${sha}` },
    };
  }

  function commitJson(commit: CommitObject): Json {
    return {
      sha: commit.sha,
      node_id: `C_${commit.sha}`,
      url: `${base}${repoPath}/git/commits/${commit.sha}`,
      html_url: `${htmlRepo}/commit/${commit.sha}`,
      author: { ...commit.author },
      committer: { ...commit.committer },
      message: commit.message,
      tree: { sha: commit.tree, url: `${base}${repoPath}/git/trees/${commit.tree}` },
      parents: commit.parents.map((sha) => ({
        sha,
        url: `${base}${repoPath}/git/commits/${sha}`,
        html_url: `${htmlRepo}/commit/${sha}`,
      })),
      verification: {
        verified: false,
        reason: "unsigned",
        signature: null,
        payload: null,
        verified_at: null,
      },
    };
  }

  function pullJson(pull: StoredPull): Json {
    const json = structuredClone(pullTemplate());
    const url = `${base}${repoPath}/pulls/${pull.number}`;
    const issueUrl = `${base}${repoPath}/issues/${pull.number}`;
    const html = `${htmlRepo}/pull/${pull.number}`;
    const side = (ref: string): Record<string, unknown> => {
      const template = json[ref === pull.head ? "head" : "base"] as Record<string, unknown>;
      const sha = gitData?.resolve(`refs/heads/${ref}`) ?? headSha;
      return { ...template, label: `${options.owner}:${ref}`, ref, sha };
    };
    Object.assign(json, {
      url,
      id: 80_000 + pull.number,
      node_id: `PR_${pull.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueUrl,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      user: userJson(pull.user),
      created_at: pull.created_at,
      updated_at: pull.updated_at,
      closed_at: pull.closed_at,
      merged_at: null,
      merge_commit_sha: null,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${base}${repoPath}/pulls/comments{/number}`,
      comments_url: `${issueUrl}/comments`,
      head: side(pull.head),
      base: side(pull.base),
      author_association: pull.user.type === "Bot" ? "NONE" : "OWNER",
      merged: false,
      mergeable: null,
      mergeable_state: "unknown",
      merged_by: null,
      auto_merge: null,
    });
    return json as Json;
  }

  function reviewJson(review: StoredReview): Json {
    const html = `${htmlRepo}/pull/${review.pull_number}#pullrequestreview-${review.id}`;
    const pr = `${base}${repoPath}/pulls/${review.pull_number}`;
    return {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: userJson(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pr,
      _links: { html: { href: html }, pull_request: { href: pr } },
      ...(review.submitted_at === null ? {} : { submitted_at: review.submitted_at }),
      commit_id: review.commit_id,
      author_association: "NONE",
    };
  }

  function reviewCommentJson(comment: StoredReviewComment): Json {
    const url = `${base}${repoPath}/pulls/comments/${comment.id}`;
    const html = `${htmlRepo}/pull/${comment.pull_number}#discussion_r${comment.id}`;
    const pr = `${base}${repoPath}/pulls/${comment.pull_number}`;
    const file = state.pullFiles.get(comment.pull_number)?.find((f) => f.filename === comment.path);
    return {
      url,
      pull_request_review_id: comment.review_id,
      id: comment.id,
      node_id: `PRRC_${comment.id}`,
      diff_hunk: file?.patch ?? "",
      path: comment.path,
      commit_id: comment.commit_id,
      original_commit_id: comment.commit_id,
      user: userJson(comment.user),
      body: comment.body,
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      html_url: html,
      pull_request_url: pr,
      author_association: "NONE",
      _links: { self: { href: url }, html: { href: html }, pull_request: { href: pr } },
      start_line: comment.start_line,
      original_start_line: comment.start_line,
      start_side: comment.start_line === null ? null : comment.side,
      line: comment.line ?? undefined,
      original_line: comment.line ?? undefined,
      side: comment.side,
      subject_type: comment.line === null ? "file" : "line",
    } as Json;
  }

  function pullFileJson(file: SeedPullFile, sha: string): Json {
    const additions = file.additions ?? file.patch?.split("\n").filter((l) => l.startsWith("+")).length ?? 0;
    const deletions = file.deletions ?? file.patch?.split("\n").filter((l) => l.startsWith("-")).length ?? 0;
    const json: { [key: string]: Json } = {
      sha: "f".repeat(40),
      filename: file.filename,
      status: file.status ?? "modified",
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${htmlRepo}/blob/${sha}/${file.filename}`,
      raw_url: `${htmlRepo}/raw/${sha}/${file.filename}`,
      contents_url: `${base}${repoPath}/contents/${file.filename}?ref=${sha}`,
    };
    if (file.patch !== undefined) json["patch"] = file.patch;
    if (file.previous_filename !== undefined) json["previous_filename"] = file.previous_filename;
    return json;
  }
  return {
    userJson,
    checkRunJson,
    labelJson,
    issueJson,
    commentJson,
    refJson,
    commitJson,
    pullJson,
    reviewJson,
    reviewCommentJson,
    pullFileJson,
  };
}
