import { relative, resolve } from "node:path";
import { createWorkspaceSource } from "../../fs/workspace.js";
import { readArtifact } from "../../engine/artifact.js";
import { systemClock } from "../../providers/retry.js";
import { RENDER_FORMATS } from "../../render/types.js";
import type { Subcommand } from "../command.js";
import { optionRows, parseFlags } from "../flags.js";

const HELP = `rubric-gate render FILE

Prints the text the judge grades for FILE: the rendering of a generated artifact
(${RENDER_FORMATS.filter((f) => f !== "image")
  .map((f) => `.${f}`)
  .join(", ")}, pictures), every piece under its address (Sheet!B7, slide 3,
paragraph 12, cell 4), or the file itself when it is text. No model is called.

Options:
${optionRows({})}

Exit codes: 0 printed; 1 the file cannot be rendered (the reason is printed: grading would skip it);
2 usage error, or the file cannot be read.`;

/** `rubric-gate render FILE`: the judge's view of a file. */
export const renderCommand: Subcommand = {
  args: "FILE",
  summary:
    "print the text the judge grades for a file (the rendering of .xlsx, .docx, .pptx, .pdf, .ipynb, pictures)",
  async run(argv, io) {
    const flags = parseFlags("render", argv, {});
    if (!flags.ok) {
      io.stderr(`rubric-gate: ${flags.message}`);
      return 2;
    }
    if (flags.help) {
      io.stdout(HELP);
      return 0;
    }
    const [file, ...extra] = flags.positionals;
    if (file === undefined || extra.length > 0) {
      io.stderr("rubric-gate render: give exactly one FILE, e.g. rubric-gate render reports/model.xlsx");
      return 2;
    }
    const path = relative(io.cwd, resolve(io.cwd, file)).split("\\").join("/");
    const read = await readArtifact(createWorkspaceSource(io.cwd), path, { clock: systemClock });
    if (read.ok) {
      io.stdout(read.text.replace(/\n$/, ""));
      return 0;
    }
    // Grading would skip a file it can read but not render or decode; one it cannot read is an error.
    const skipped = read.kind === "unrenderable" || read.kind === "binary" || read.kind === "not_utf8";
    const hint = read.kind === "missing" ? ` (paths are relative to ${io.cwd})` : "";
    io.stderr(
      `rubric-gate render: ${file}: ${read.reason}${hint}${skipped ? "; grading would skip it" : ""}`,
    );
    return skipped ? 1 : 2;
  },
};
