import { z } from "zod";

/**
 * `/rubric-gate grade` or `/rubric-gate revise [commit|suggest]`, as the first line of a pull request
 * comment. `mode` is absent when `revise` names none.
 */
export type CommentCommand = { verb: "grade" } | { verb: "revise"; mode?: "commit" | "suggest" };

/** What an `issue_comment` event says, as far as a command needs it. */
export interface CommentEvent {
  action: string;
  commentId: number;
  body: string;
  author: { login: string; type: string };
  /** The issue or pull request's number. */
  number: number;
  isPullRequest: boolean;
}

const CommentPayloadSchema = z.object({
  action: z.string(),
  issue: z.object({
    number: z.number().int().positive(),
    // Present (with URLs) only when the issue is a pull request.
    pull_request: z.looseObject({}).nullish(),
  }),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullish(),
    user: z.object({ login: z.string(), type: z.string() }).nullable(),
  }),
});

/** Reads an `issue_comment` payload; throws with the missing field named when it is not one. */
export function readCommentEvent(payload: unknown): CommentEvent {
  const parsed = CommentPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new Error(
      `The issue_comment event payload lacks issue or comment: ${z.prettifyError(parsed.error)}`,
      {
        cause: parsed.error,
      },
    );
  }
  const { action, issue, comment } = parsed.data;
  return {
    action,
    commentId: comment.id,
    body: comment.body ?? "",
    author: comment.user ?? { login: "ghost", type: "User" },
    number: issue.number,
    isPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
  };
}

const COMMAND = /^\/rubric-gate[ \t]+(grade|revise)(?:[ \t]+(commit|suggest))?[ \t]*$/;

/**
 * The command on the comment's first line, or null. Only the first line counts, and only exactly the
 * command: a mention elsewhere, a quote (`> /rubric-gate …`), extra words or another case are not one.
 */
export function parseCommentCommand(body: string): CommentCommand | null {
  const first =
    body
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/, 1)[0]
      ?.trim() ?? "";
  const match = COMMAND.exec(first);
  if (!match) return null;
  if (match[1] === "grade") return match[2] === undefined ? { verb: "grade" } : null;
  const mode = match[2] as "commit" | "suggest" | undefined;
  return mode === undefined ? { verb: "revise" } : { verb: "revise", mode };
}

/** Whether a comment's author is a bot (an app, `github-actions[bot]`, rubric-gate itself): never a command. */
export function isBot(author: { login: string; type: string }): boolean {
  return author.type === "Bot" || /\[bot\]$/i.test(author.login);
}

/** The command as written, for replies and the log. */
export function commandText(command: CommentCommand): string {
  return command.verb === "grade"
    ? "/rubric-gate grade"
    : `/rubric-gate revise${command.mode ? ` ${command.mode}` : ""}`;
}
