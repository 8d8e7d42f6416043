import * as core from "@actions/core";
import { inlineText, logText } from "../util/redact.js";

/**
 * The Action's only way to the runner log. Every line may hold a file's name or a model's words, so
 * each is made safe on the way out (`logText`): no line the runner would obey as a workflow command,
 * no token-shaped string, no terminal escape. `name` puts an untrusted string on one line.
 */
export const log = {
  info(text: string): void {
    core.info(logText(text));
  },
  warning(text: string): void {
    core.warning(logText(text));
  },
  notice(text: string): void {
    core.notice(logText(text));
  },
  /** Marks the step failed with a message. */
  failed(text: string): void {
    core.setFailed(logText(text));
  },
  /**
   * Appends markdown to the job summary. A summary that cannot be written (no GITHUB_STEP_SUMMARY, as
   * under a local runner; a full disk) is a warning: the check run and the report say the same, and a
   * graded run must not turn into an error for it.
   */
  async summary(markdown: string): Promise<void> {
    try {
      await core.summary.addRaw(markdown, true).write();
    } catch (error) {
      core.summary.emptyBuffer();
      core.warning(
        logText(
          `rubric-gate: the job summary could not be written (${error instanceof Error ? error.message : String(error)}); the check run and the report hold the same`,
        ),
      );
    }
  },
  name(text: string): string {
    return inlineText(text, 500);
  },
};
