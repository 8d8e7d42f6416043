import { describe, expect, it } from "vitest";
import { isBot, parseCommentCommand, readCommentEvent } from "../../src/github/comment-command.js";

describe("parseCommentCommand", () => {
  it.each([
    ["/rubric-gate grade", { verb: "grade" }],
    ["/rubric-gate revise", { verb: "revise" }],
    ["/rubric-gate revise commit", { verb: "revise", mode: "commit" }],
    ["/rubric-gate   revise\tsuggest  \r\nwith a note below", { verb: "revise", mode: "suggest" }],
    ["\uFEFF/rubric-gate grade\n", { verb: "grade" }],
  ])("%j is a command", (body, command) => {
    expect(parseCommentCommand(body)).toEqual(command);
  });

  it.each([
    "please /rubric-gate revise",
    "\n/rubric-gate revise",
    "> /rubric-gate revise",
    "`/rubric-gate revise`",
    "/rubric-gate revise pr",
    "/rubric-gate grade commit",
    "/Rubric-Gate grade",
    "/rubric-gate",
    "/rubric-gatex grade",
    "/rubric-gate revise commit; rm -rf /",
  ])("%j is not", (body) => {
    expect(parseCommentCommand(body)).toBeNull();
  });
});

describe("readCommentEvent", () => {
  it("tells a pull request's comment from an issue's, and names what a bad payload lacks", () => {
    const payload = {
      action: "created",
      issue: { number: 3, pull_request: { url: "u" } },
      comment: { id: 9, body: "/rubric-gate grade", user: { login: "a", type: "User" } },
    };
    expect(readCommentEvent(payload)).toMatchObject({ number: 3, isPullRequest: true, commentId: 9 });
    expect(readCommentEvent({ ...payload, issue: { number: 3 } }).isPullRequest).toBe(false);
    expect(() => readCommentEvent({ action: "created" })).toThrow(/lacks issue or comment/);
  });

  it("a bot is a Bot account or a [bot] login", () => {
    expect(isBot({ login: "github-actions[bot]", type: "Bot" })).toBe(true);
    expect(isBot({ login: "renovate[bot]", type: "User" })).toBe(true);
    expect(isBot({ login: "octocat", type: "User" })).toBe(false);
  });
});
