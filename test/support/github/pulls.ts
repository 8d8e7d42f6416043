/** Pull requests, their files, reviews and review comments (`pulls/*`), with GitHub's rules on diff lines. */
import { notFound, unprocessable, paginate, type Handlers } from "./http.js";
import type { Shapes } from "./shapes.js";
import type { Json, StoredPull, StoredReview, StoredReviewComment } from "./types.js";
import type { World } from "./world.js";

export function pullHandlers(world: World, shapes: Shapes): Handlers {
  const { state, options, viewer, headSha, gitData, now, newIssue } = world;
  const { pullJson, reviewJson, reviewCommentJson, pullFileJson } = shapes;

  function diffLines(patch: string): { LEFT: Set<number>; RIGHT: Set<number> } {
    const lines = { LEFT: new Set<number>(), RIGHT: new Set<number>() };
    let left = 0;
    let right = 0;
    for (const line of patch.split("\n")) {
      const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (hunk !== null) {
        left = Number(hunk[1]);
        right = Number(hunk[2]);
      } else if (line.startsWith("+")) {
        lines.RIGHT.add(right++);
      } else if (line.startsWith("-")) {
        lines.LEFT.add(left++);
      } else if (!line.startsWith("\\")) {
        lines.LEFT.add(left++);
        lines.RIGHT.add(right++);
      }
    }
    return lines;
  }

  interface DraftComment {
    path: string;
    body: string;
    line?: number;
    start_line?: number;
    side?: "LEFT" | "RIGHT";
    position?: number;
  }

  function checkReviewComment(pullNumber: number, comment: DraftComment): string | undefined {
    const file = state.pullFiles.get(pullNumber)?.find((f) => f.filename === comment.path);
    if (file === undefined) return `Path could not be resolved: ${comment.path}`;
    if (comment.line === undefined || file.patch === undefined) return undefined;
    const patch = file.patch;
    const shown = diffLines(patch)[comment.side ?? "RIGHT"];
    if (!shown.has(comment.line)) return `Line could not be resolved: ${comment.path}:${comment.line}`;
    if (comment.start_line !== undefined) {
      if (comment.start_line >= comment.line) return "start_line must precede line";
      if (!shown.has(comment.start_line))
        return `Start line could not be resolved: ${comment.path}:${comment.start_line}`;
      const side = comment.side ?? "RIGHT";
      const hunk = (line: number): number =>
        hunkRanges(patch)[side].findIndex(([from, to]) => from <= line && line <= to);
      if (hunk(comment.start_line) !== hunk(comment.line)) {
        return "pull_request_review_thread.start_line must be part of the same hunk as the line.";
      }
    }
    return undefined;
  }

  /** Per side, the line range each hunk of a patch shows. */
  function hunkRanges(patch: string): { LEFT: Array<[number, number]>; RIGHT: Array<[number, number]> } {
    const ranges = { LEFT: [] as Array<[number, number]>, RIGHT: [] as Array<[number, number]> };
    let left = 0;
    let right = 0;
    for (const line of patch.split("\n")) {
      const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (hunk !== null) {
        left = Number(hunk[1]);
        right = Number(hunk[2]);
        ranges.LEFT.push([left, left - 1]);
        ranges.RIGHT.push([right, right - 1]);
        continue;
      }
      const l = ranges.LEFT.at(-1);
      const r = ranges.RIGHT.at(-1);
      if (l === undefined || r === undefined || line.startsWith("\\")) continue;
      if (!line.startsWith("+")) l[1] = left++;
      if (!line.startsWith("-")) r[1] = right++;
    }
    return ranges;
  }

  function storeReviewComment(
    pullNumber: number,
    reviewId: number,
    commitId: string,
    draft: DraftComment,
  ): StoredReviewComment {
    const created = now();
    const comment: StoredReviewComment = {
      id: world.nextId(),
      pull_number: pullNumber,
      review_id: reviewId,
      path: draft.path,
      body: draft.body,
      line: draft.line ?? null,
      start_line: draft.start_line ?? null,
      side: draft.side ?? "RIGHT",
      commit_id: commitId,
      user: viewer,
      created_at: created,
      updated_at: created,
    };
    state.reviewComments.push(comment);
    return comment;
  }

  return {
    "pulls/list-files": (ctx) => {
      const files = state.pullFiles.get(Number(ctx.params["pull_number"]));
      if (files === undefined) return notFound;
      // GitHub lists at most 3,000 files of a pull request.
      return paginate(ctx, files, (file) => pullFileJson(file, headSha), 3000);
    },
    "pulls/create-review": (ctx) => {
      const pullNumber = Number(ctx.params["pull_number"]);
      if (!state.pullFiles.has(pullNumber)) return notFound;
      const drafts = (ctx.body["comments"] as DraftComment[] | undefined) ?? [];
      const problems = drafts
        .map((d) => checkReviewComment(pullNumber, d))
        .filter((p): p is string => p !== undefined);
      if (problems.length > 0) return unprocessable(...problems);
      const event = ctx.body["event"];
      const review: StoredReview = {
        id: world.nextId(),
        pull_number: pullNumber,
        body: typeof ctx.body["body"] === "string" ? ctx.body["body"] : "",
        state:
          event === "APPROVE"
            ? "APPROVED"
            : event === "REQUEST_CHANGES"
              ? "CHANGES_REQUESTED"
              : event === "COMMENT"
                ? "COMMENTED"
                : "PENDING",
        commit_id: typeof ctx.body["commit_id"] === "string" ? ctx.body["commit_id"] : headSha,
        user: viewer,
        submitted_at: event === undefined ? null : now(),
      };
      state.reviews.push(review);
      for (const draft of drafts) storeReviewComment(pullNumber, review.id, review.commit_id, draft);
      return { status: 200, body: reviewJson(review) };
    },
    "pulls/list-reviews": (ctx) =>
      paginate(
        ctx,
        state.reviews.filter((r) => r.pull_number === ctx.params["pull_number"]),
        reviewJson,
      ),
    "pulls/get-review": (ctx) => {
      const review = state.reviews.find(
        (r) => r.id === ctx.params["review_id"] && r.pull_number === ctx.params["pull_number"],
      );
      return review === undefined ? notFound : { status: 200, body: reviewJson(review) };
    },
    "pulls/delete-pending-review": (ctx) => {
      const review = state.reviews.find(
        (r) => r.id === ctx.params["review_id"] && r.pull_number === ctx.params["pull_number"],
      );
      if (review === undefined) return notFound;
      if (review.state !== "PENDING")
        return unprocessable("Can not delete a non-pending pull request review");
      state.reviews.splice(state.reviews.indexOf(review), 1);
      state.reviewComments = state.reviewComments.filter((c) => c.review_id !== review.id);
      return { status: 200, body: reviewJson(review) };
    },
    "pulls/list-comments-for-review": (ctx) =>
      paginate(
        ctx,
        state.reviewComments.filter((c) => c.review_id === ctx.params["review_id"]),
        (c) => {
          // This listing uses the older `review-comment` shape, which carries diff positions.
          const json = reviewCommentJson(c) as Record<string, Json>;
          return { ...json, position: 1, original_position: 1 };
        },
      ),
    "pulls/list-review-comments": (ctx) =>
      paginate(
        ctx,
        state.reviewComments.filter((c) => c.pull_number === ctx.params["pull_number"]),
        reviewCommentJson,
      ),
    "pulls/create-review-comment": (ctx) => {
      const pullNumber = Number(ctx.params["pull_number"]);
      if (!state.pullFiles.has(pullNumber)) return notFound;
      const draft = ctx.body as unknown as DraftComment & { commit_id: string };
      const problem = checkReviewComment(pullNumber, draft);
      if (problem !== undefined) return unprocessable(problem);
      const review: StoredReview = {
        id: world.nextId(),
        pull_number: pullNumber,
        body: "",
        state: "COMMENTED",
        commit_id: draft.commit_id,
        user: viewer,
        submitted_at: now(),
      };
      state.reviews.push(review);
      return {
        status: 201,
        body: reviewCommentJson(storeReviewComment(pullNumber, review.id, draft.commit_id, draft)),
      };
    },
    "pulls/update-review-comment": (ctx) => {
      const comment = state.reviewComments.find((c) => c.id === ctx.params["comment_id"]);
      if (comment === undefined) return notFound;
      comment.body = String(ctx.body["body"]);
      comment.updated_at = now();
      return { status: 200, body: reviewCommentJson(comment) };
    },
    "pulls/delete-review-comment": (ctx) => {
      const index = state.reviewComments.findIndex((c) => c.id === ctx.params["comment_id"]);
      if (index < 0) return notFound;
      state.reviewComments.splice(index, 1);
      return { status: 204 };
    },
    // ---- pull requests created through the API ----
    "pulls/get": (ctx) => {
      const number = Number(ctx.params["pull_number"]);
      const created = state.pulls.find((p) => p.number === number);
      if (created !== undefined) return { status: 200, body: pullJson(created) };
      if (!state.pullFiles.has(number)) return notFound;
      // A seeded pull request, as it is now: its branches' heads in the repository move with pushes.
      const refs = options.pullRefs?.[number] ?? {};
      const headRef = refs.headRef ?? "feature";
      const baseRef = refs.baseRef ?? "main";
      const json = pullJson({
        number,
        title: `Pull request #${number}`,
        body: null,
        state: refs.state ?? "open",
        head: headRef,
        base: baseRef,
        user: { login: "octocat", id: 583231, type: "User" },
        created_at: now(),
        updated_at: now(),
        closed_at: null,
      }) as Record<string, Record<string, unknown>>;
      const baseRepo = json["base"]?.["repo"] as Record<string, unknown>;
      const fork = refs.headRepo;
      json["head"] = {
        ...json["head"],
        sha: gitData?.resolve(`refs/heads/${headRef}`) ?? headSha,
        repo: fork
          ? { ...baseRepo, full_name: fork, name: fork.split("/")[1], fork: true }
          : { ...baseRepo, full_name: `${options.owner}/${options.repo}`, name: options.repo },
      };
      json["base"] = {
        ...json["base"],
        sha: gitData?.resolve(`refs/heads/${baseRef}`) ?? state.refs.get(baseRef) ?? headSha,
        repo: { ...baseRepo, full_name: `${options.owner}/${options.repo}`, name: options.repo },
      };
      return { status: 200, body: json as Json };
    },
    "pulls/list": (ctx) => {
      const wanted = typeof ctx.query["state"] === "string" ? ctx.query["state"] : "open";
      const head = typeof ctx.query["head"] === "string" ? ctx.query["head"] : undefined;
      const baseRef = typeof ctx.query["base"] === "string" ? ctx.query["base"] : undefined;
      const pulls = state.pulls.filter(
        (pull) =>
          (wanted === "all" || pull.state === wanted) &&
          (head === undefined || `${options.owner}:${pull.head}` === head) &&
          (baseRef === undefined || pull.base === baseRef),
      );
      return paginate(ctx, pulls, pullJson);
    },
    "pulls/create": (ctx) => {
      const head = String(ctx.body["head"]).replace(new RegExp(`^${options.owner}:`), "");
      const baseRef = String(ctx.body["base"]);
      if (gitData && gitData.resolve(`refs/heads/${head}`) === null) {
        return unprocessable(`head: ${head} is not a branch`);
      }
      if (gitData && gitData.resolve(`refs/heads/${baseRef}`) === null) {
        return unprocessable(`base: ${baseRef} is not a branch`);
      }
      if (state.pulls.some((p) => p.state === "open" && p.head === head && p.base === baseRef)) {
        return unprocessable(`A pull request already exists for ${options.owner}:${head}.`);
      }
      const issue = newIssue({ title: String(ctx.body["title"]), is_pull_request: true, user: viewer });
      state.issues.push(issue);
      const created = now();
      const pull: StoredPull = {
        number: issue.number,
        title: String(ctx.body["title"]),
        body: typeof ctx.body["body"] === "string" ? ctx.body["body"] : null,
        state: "open",
        head,
        base: baseRef,
        user: viewer,
        created_at: created,
        updated_at: created,
        closed_at: null,
      };
      state.pulls.push(pull);
      return { status: 201, body: pullJson(pull) };
    },
    "pulls/update": (ctx) => {
      const pull = state.pulls.find((p) => p.number === ctx.params["pull_number"]);
      if (pull === undefined) return notFound;
      const issue = state.issues.find((i) => i.number === pull.number);
      if (typeof ctx.body["title"] === "string") pull.title = ctx.body["title"];
      if (typeof ctx.body["body"] === "string") pull.body = ctx.body["body"];
      if (ctx.body["state"] === "closed" && pull.state === "open") {
        pull.state = "closed";
        pull.closed_at = now();
      } else if (ctx.body["state"] === "open") {
        pull.state = "open";
        pull.closed_at = null;
      }
      pull.updated_at = now();
      if (issue) {
        issue.title = pull.title;
        issue.body = pull.body;
        issue.state = pull.state;
        issue.closed_at = pull.closed_at;
      }
      return { status: 200, body: pullJson(pull) };
    },
    "pulls/update-review": (ctx) => {
      const review = state.reviews.find(
        (r) => r.id === ctx.params["review_id"] && r.pull_number === ctx.params["pull_number"],
      );
      if (review === undefined) return notFound;
      review.body = String(ctx.body["body"]);
      return { status: 200, body: reviewJson(review) };
    },
  };
}
