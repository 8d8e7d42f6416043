import type { Subcommand } from "../command.js";
import { calibrateCommand } from "./calibrate.js";
import { initCommand } from "./init.js";
import { lintRubricCommand } from "./lint-rubric.js";
import { mergeReportsCommand } from "./merge-reports.js";
import { renderCommand } from "./render.js";
import { viewCommand } from "./view.js";

export type { Subcommand } from "../command.js";

/** Commands registered by name; each lives in its own module under `src/cli/commands/`. */
export const SUBCOMMANDS: Record<string, Subcommand> = {
  calibrate: calibrateCommand,
  "lint-rubric": lintRubricCommand,
  init: initCommand,
  render: renderCommand,
  view: viewCommand,
  "merge-reports": mergeReportsCommand,
};
