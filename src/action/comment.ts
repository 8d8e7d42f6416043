import {
  commandText,
  isBot,
  parseCommentCommand,
  type CommentCommand,
  type CommentEvent,
} from "../github/comment-command.js";
import type { RunEvent } from "../github/event.js";
import type { IssueComment, Reaction } from "../ports/github.js";
import type { ActionContext, Connection } from "./context.js";
import type { Inputs } from "./inputs.js";
import { log } from "./log.js";

/** A command accepted: the run's context (the pull request as it is now) and how to answer the comment. */
export interface AcceptedCommand {
  ctx: ActionContext;
  command: CommentCommand;
  /** Replies once, linking where the results go (the check run, else the workflow run). */
  started(checkUrl: string | null): Promise<void>;
  /** Rocket when the command ran to the end, confused when it could not. */
  finished(ok: boolean): Promise<void>;
}

/** Hidden marker of the reply to a command comment: one command gets one run, however often the event comes. */
const answeredMarker = (commentId: number) => `<!-- rubric-gate:command ${commentId} -->`;
/** Hidden marker of the one reply a person without write access gets on a pull request. */
const refusedMarker = (login: string) => `<!-- rubric-gate:refused ${login.toLowerCase()} -->`;

/**
 * Decides what a pull request comment asks for (SPEC §7–8 safety rules apply to what it runs). Only a
 * created comment whose first line is exactly a command, written by a person with write access
 * (the collaborator permission endpoint, never the payload's `author_association`), runs anything.
 * Everything else is ignored without a word, except that a person without write access who writes a
 * command gets one polite reply per pull request. Returns the reason when nothing runs.
 */
export async function acceptComment(
  connection: Connection,
  comment: CommentEvent,
): Promise<AcceptedCommand | { ignored: string }> {
  const { api, repo } = connection;
  // An edited or deleted comment was (or was not) a command when it was created: never a second run.
  if (comment.action !== "created") return { ignored: `the comment was ${comment.action}, not created` };
  if (!comment.isPullRequest) return { ignored: "the comment is on an issue, not a pull request" };
  if (isBot(comment.author)) return { ignored: "the comment is a bot's" };
  const command = parseCommentCommand(comment.body);
  if (command === null) return { ignored: "the comment's first line is not a /rubric-gate command" };

  // GitHub logins are letters, digits and hyphens: any other author is no one whose access can be read.
  const who = comment.author.login;
  if (!/^[A-Za-z0-9-]{1,39}$/.test(who)) return { ignored: "the comment's author has no GitHub login" };
  const permission = await api.getPermission(repo, who);
  const comments = () => api.listIssueComments(repo, comment.number);
  if (permission !== "admin" && permission !== "write") {
    const marker = refusedMarker(who);
    if (!(await comments()).some((c) => fromBot(c) && c.body.includes(marker))) {
      await api.createIssueComment(
        repo,
        comment.number,
        `${marker}\n@${who}, thank you — \`/rubric-gate\` commands run only for people with write access to ` +
          "this repository, so nothing was run. A maintainer can comment the command for you.",
      );
    }
    return { ignored: `@${who} has ${permission} access, not write` };
  }
  const marker = answeredMarker(comment.commentId);
  if ((await comments()).some((c) => fromBot(c) && c.body.includes(marker))) {
    return { ignored: `comment ${comment.commentId} was answered by an earlier run` };
  }
  const react = (reaction: Reaction) =>
    api.addCommentReaction(repo, comment.commentId, reaction).catch((error: unknown) => {
      log.warning(`rubric-gate: could not react to the command comment: ${String(error)}`);
    });
  await react("eyes");

  // `issue_comment` carries no head: the pull request as it is now decides what is graded and where.
  const pull = await api.getPullRequest(repo, comment.number);
  if (pull.state !== "open") {
    // A closed pull request's branch is not revised (or graded) on request: said once, and why.
    await api.createIssueComment(
      repo,
      comment.number,
      `${marker}\n\`${commandText(command)}\` from @${who}: the pull request is ${pull.state}, so nothing was run. Reopen it to run commands.`,
    );
    await react("confused");
    return { ignored: `pull request #${pull.number} is ${pull.state}` };
  }
  const event: Extract<RunEvent, { kind: "pull_request" }> = {
    kind: "pull_request",
    eventName: "issue_comment",
    number: pull.number,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    headRepoFullName: pull.head.repoFullName,
    isFork:
      pull.head.repoFullName === null ||
      pull.head.repoFullName.toLowerCase() !== pull.base.repoFullName.toLowerCase(),
  };
  const text = commandText(command);
  log.info(`${text} from @${who} (${permission}) on pull request #${pull.number}, head ${pull.head.sha}.`);
  const ctx: ActionContext = {
    ...connection,
    inputs: commandInputs(connection.inputs, command),
    event,
    headSha: pull.head.sha,
  };
  return {
    ctx,
    command,
    async started(checkUrl) {
      const where = checkUrl ? `[the check run](${checkUrl})` : `[the workflow run](${connection.runUrl})`;
      await api.createIssueComment(
        repo,
        comment.number,
        `${marker}\n\`${text}\` from @${who}: grading ${pull.head.sha.slice(0, 12)}; results in ${where}.`,
      );
    },
    finished: (ok) => react(ok ? "rocket" : "confused"),
  };
}

/** The inputs a command runs with: `grade` revises nothing; `revise` delivers as asked, else as configured. */
function commandInputs(inputs: Inputs, command: CommentCommand): Inputs {
  if (command.verb === "grade") return { ...inputs, revise: "off" };
  const configured = inputs.revise === "commit" || inputs.revise === "suggest" ? inputs.revise : "suggest";
  return { ...inputs, revise: command.mode ?? configured };
}

function fromBot(comment: IssueComment): boolean {
  return comment.user !== null && isBot(comment.user);
}
