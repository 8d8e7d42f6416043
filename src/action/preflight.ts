import { keyProblem } from "../providers/factory.js";
import type { RunEvent } from "../github/event.js";
import type { Inputs } from "./inputs.js";

/** The model keys and base URLs, from inputs first, then the job's environment. */
export function modelEnv(inputs: Inputs): Record<string, string | undefined> {
  return {
    ...process.env,
    OPENAI_API_KEY: inputs["openai-api-key"] ?? process.env["OPENAI_API_KEY"],
    ANTHROPIC_API_KEY: inputs["anthropic-api-key"] ?? process.env["ANTHROPIC_API_KEY"],
    OPENAI_BASE_URL: inputs["openai-base-url"] ?? process.env["OPENAI_BASE_URL"],
    ANTHROPIC_BASE_URL: inputs["anthropic-base-url"] ?? process.env["ANTHROPIC_BASE_URL"],
  };
}

/** Why grading is skipped with a neutral check, with what to configure; null when it can run. */
export function skipReason(
  event: RunEvent,
  inputs: Inputs,
  env: Record<string, string | undefined>,
): string | null {
  return forkSkipReason(event, inputs) ?? judgeSkipReason(inputs, env);
}

/** Why a fork's pull request is not graded here; null when it is not a fork's, or may be graded. */
export function forkSkipReason(event: RunEvent, inputs: Inputs): string | null {
  // A command on a fork's pull request was written by a person with write access: it is graded, as data.
  if (event.kind === "pull_request" && event.isFork && event.eventName !== "issue_comment") {
    if (inputs["fork-pull-requests"] !== "grade") {
      return (
        "This pull request comes from a fork, and `fork-pull-requests` is `skip`. To grade forks safely, run " +
        "rubric-gate on `pull_request_target` with `fork-pull-requests: grade`: it reads the fork's changed " +
        "files through the API as data, checks out and runs none of its code, and pushes nothing (see the " +
        "README's fork workflow)."
      );
    }
    if (event.eventName !== "pull_request_target") {
      return (
        `This pull request comes from a fork, and the workflow runs on \`${event.eventName}\`, where a fork's ` +
        "run gets no secrets and a read-only token. With `fork-pull-requests: grade`, run rubric-gate on " +
        "`pull_request_target` (without checking out the pull request's head)."
      );
    }
  }
  return null;
}

/** Why no judge can be used here (none configured, no key); null when one can. */
export function judgeSkipReason(inputs: Inputs, env: Record<string, string | undefined>): string | null {
  if (!inputs.judge) {
    return "No judge is configured. Set the `judge` input, e.g. `judge: openai:gpt-4.1` with `openai-api-key: ${{ secrets.OPENAI_API_KEY }}`.";
  }
  for (const judge of inputs.judge) {
    const problem = keyProblem(judge, env, "judge");
    if (problem) {
      return `The judge ${judge} has no key here: ${problem}. Add the key as a repository secret and pass it to the matching input (openai-api-key or anthropic-api-key).`;
    }
  }
  return null;
}
