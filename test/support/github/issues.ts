/** Issues and issue comments (`issues/*`), with labels; pull requests are issues too. */
import { notFound, paginate, type Context, type Handlers } from "./http.js";
import type { Shapes } from "./shapes.js";
import type { StoredIssue, StoredComment } from "./types.js";
import type { World } from "./world.js";

export function issueHandlers(world: World, shapes: Shapes): Handlers {
  const { state, viewer, now, newIssue } = world;
  const { issueJson, commentJson } = shapes;

  function findIssue(ctx: Context): StoredIssue | undefined {
    return state.issues.find((issue) => issue.number === ctx.params["issue_number"]);
  }

  return {
    "issues/list-comments": (ctx) => {
      const issue = findIssue(ctx);
      if (issue === undefined) return notFound;
      return paginate(
        ctx,
        state.issueComments.filter((c) => c.issue_number === issue.number),
        commentJson,
      );
    },
    "issues/create-comment": (ctx) => {
      const issue = findIssue(ctx);
      if (issue === undefined) return notFound;
      const created = now();
      const comment: StoredComment = {
        id: world.nextId(),
        issue_number: issue.number,
        body: String(ctx.body["body"]),
        user: viewer,
        created_at: created,
        updated_at: created,
      };
      state.issueComments.push(comment);
      return { status: 201, body: commentJson(comment) };
    },
    "issues/get-comment": (ctx) => {
      const comment = state.issueComments.find((c) => c.id === ctx.params["comment_id"]);
      return comment === undefined ? notFound : { status: 200, body: commentJson(comment) };
    },
    "issues/update-comment": (ctx) => {
      const comment = state.issueComments.find((c) => c.id === ctx.params["comment_id"]);
      if (comment === undefined) return notFound;
      comment.body = String(ctx.body["body"]);
      comment.updated_at = now();
      return { status: 200, body: commentJson(comment) };
    },
    "issues/delete-comment": (ctx) => {
      const index = state.issueComments.findIndex((c) => c.id === ctx.params["comment_id"]);
      if (index < 0) return notFound;
      state.issueComments.splice(index, 1);
      return { status: 204 };
    },
    "issues/list-for-repo": (ctx) => {
      const wanted = typeof ctx.query["state"] === "string" ? ctx.query["state"] : "open";
      const labels =
        typeof ctx.query["labels"] === "string" && ctx.query["labels"] !== ""
          ? ctx.query["labels"].split(",")
          : [];
      const issues = state.issues
        .filter((issue) => wanted === "all" || issue.state === wanted)
        .filter((issue) =>
          labels.every((label) => issue.labels.some((l) => l.toLowerCase() === label.trim().toLowerCase())),
        )
        .sort((a, b) => (ctx.query["direction"] === "asc" ? a.number - b.number : b.number - a.number));
      return paginate(ctx, issues, issueJson);
    },
    "issues/get": (ctx) => {
      const issue = findIssue(ctx);
      return issue === undefined ? notFound : { status: 200, body: issueJson(issue) };
    },
    "issues/create": (ctx) => {
      const labels = (ctx.body["labels"] as (string | { name?: string })[] | undefined) ?? [];
      const issue = newIssue({
        title: String(ctx.body["title"]),
        body: typeof ctx.body["body"] === "string" ? ctx.body["body"] : null,
        labels: labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
        user: viewer,
      });
      state.issues.push(issue);
      return { status: 201, body: issueJson(issue) };
    },
    "issues/update": (ctx) => {
      const issue = findIssue(ctx);
      if (issue === undefined) return notFound;
      const { title, body, state: wanted, state_reason: reason, labels } = ctx.body;
      if (typeof title === "string") issue.title = title;
      if (typeof body === "string" || body === null) issue.body = body;
      if (Array.isArray(labels))
        issue.labels = labels.map((l) => (typeof l === "string" ? l : String((l as { name?: string }).name)));
      if (wanted === "closed" && issue.state === "open") {
        issue.state = "closed";
        issue.closed_at = now();
        issue.state_reason = typeof reason === "string" ? reason : "completed";
      } else if (wanted === "open" && issue.state === "closed") {
        issue.state = "open";
        issue.closed_at = null;
        issue.state_reason = "reopened";
      }
      issue.updated_at = now();
      return { status: 200, body: issueJson(issue) };
    },
  };
}
