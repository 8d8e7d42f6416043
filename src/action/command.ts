import * as core from "@actions/core";
import { runCli } from "../cli/main.js";
import { InputError, readInputs } from "./inputs.js";
import { log } from "./log.js";
import { modelEnv } from "./preflight.js";

/** The CLI commands the Action runs through its `command` input: those that need no event. */
export const ACTION_COMMANDS = ["check-rubrics", "lint-rubric", "calibrate"] as const;

/**
 * `command:` — one of the CLI's commands, run in the workspace with the Action's model inputs, so a
 * repository needs no Node setup and no package to gate on calibration or lint its rubrics. Its output
 * goes to the log line by line (made safe like every other line); a non-zero exit fails the step, and
 * the code is the `exit-code` output. No check run, comment or event is involved.
 */
export async function runCommand(text: string): Promise<void> {
  const argv = splitWords(text);
  const [name] = argv;
  if (!name || !(ACTION_COMMANDS as readonly string[]).includes(name))
    throw new InputError(
      `input "command" = ${JSON.stringify(text)}: expected one of ${ACTION_COMMANDS.join(", ")} followed by its arguments, e.g. "calibrate rubrics/docs.md --min-kappa 0.6"`,
    );
  const inputs = readInputs((input) => core.getInput(input));
  for (const secret of [inputs["openai-api-key"], inputs["anthropic-api-key"], inputs["github-token"]])
    if (secret) core.setSecret(secret);
  const env = modelEnv(inputs);
  // The `judge` input is the default judge, as $RUBRIC_GATE_JUDGE is for the CLI.
  const judge = inputs.judge?.[0];
  if (judge && !argv.includes("--judge")) env["RUBRIC_GATE_JUDGE"] = judge;
  const lines = (chunk: string): void => {
    for (const line of chunk.replace(/\n$/, "").split("\n")) log.info(line);
  };
  const code = await runCli(argv, {
    cwd: process.env["GITHUB_WORKSPACE"] ?? process.cwd(),
    env,
    stdout: lines,
    stderr: lines,
  });
  core.setOutput("exit-code", String(code));
  if (code !== 0) log.failed(`rubric-gate ${name} exited with ${code}`);
}

/**
 * A command line split into words as a shell would split it, without running one: runs of blanks
 * separate words; single quotes keep everything; double quotes keep everything but `\"` and `\\`; a
 * backslash outside quotes keeps the next character. No variable, glob or command is expanded.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  // A word has begun (an empty quoted word counts).
  let started = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) word += text[++i] ?? "";
      else word += c;
    } else if (/\s/.test(c)) {
      if (started) words.push(word);
      word = "";
      started = false;
    } else {
      started = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === "\\") word += text[++i] ?? "";
      else word += c;
    }
  }
  if (quote)
    throw new InputError(`input "command" = ${JSON.stringify(text)}: a ${quote} quote is not closed`);
  if (started) words.push(word);
  return words;
}
