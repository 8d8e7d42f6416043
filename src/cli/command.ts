import type { CliIo } from "./io.js";

/** A CLI command beyond `grade` and `check-rubrics`: parses its own flags, returns the exit code. */
export interface Subcommand {
  /** Its arguments, as `--help` shows them after the command's name. */
  args: string;
  /** One line for `--help`. */
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
