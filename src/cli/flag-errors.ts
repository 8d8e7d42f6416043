import { didYouMean } from "../util/suggest.js";

/**
 * A `node:util` parseArgs error as one line a person can act on: the unknown flag with the nearest known
 * one, or the flag that needs a value; anything else as parseArgs said it. `command` names where.
 */
export function flagErrorMessage(command: string, error: unknown, flags: readonly string[]): string {
  const { code, message } = error as { code?: string; message: string };
  const help = `see rubric-gate ${command} --help`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /Unknown option '(-{1,2}[^']*)'/.exec(message)?.[1] ?? "";
    const name = flag.replace(/^-+/, "").replace(/=.*$/, "");
    const hint = didYouMean(name, flags, (f) => `--${f}`);
    return `${command}: unknown flag ${flag}${hint || ` (${help} for its flags)`}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /Option '(-{1,2}[\w-]+)/.exec(message)?.[1];
    if (flag && /argument missing/.test(message)) return `${command}: ${flag} needs a value (${help})`;
    if (flag && /does not take an argument/.test(message))
      return `${command}: ${flag} takes no value; give it alone, as ${flag} (${help})`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const word = /Unexpected argument '([^']*)'/.exec(message)?.[1] ?? "";
    return `${command}: unexpected argument ${JSON.stringify(word)}: ${command} takes no PATH (${help})`;
  }
  return `${command}: ${message} (${help})`;
}
