import type { CliIo } from "../io.js";
import { calibrateCommand } from "./calibrate.js";
import { initCommand } from "./init.js";
import { lintRubricCommand } from "./lint-rubric.js";

/** A CLI command beyond `grade` and `check-rubrics`: parses its own flags, returns the exit code. */
export interface Subcommand {
  /** One line for `--help`. */
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Commands registered by name; each lives in its own module under `src/cli/commands/`. */
export const SUBCOMMANDS: Record<string, Subcommand> = {
  calibrate: calibrateCommand,
  "lint-rubric": lintRubricCommand,
  init: initCommand,
};
