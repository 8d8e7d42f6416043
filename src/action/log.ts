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
  name(text: string): string {
    return inlineText(text, 500);
  },
};
