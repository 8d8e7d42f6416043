import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import { viewOf } from "../../view/view.js";
import type { Subcommand } from "../command.js";
import { flag, optionRows, parseFlags } from "../flags.js";

const FLAGS = {
  output: flag({
    value: "FILE",
    short: "o",
    help: "where to write the page (default: REPORT with .html for .json; - for stdout)",
    schema: z.string().min(1).optional(),
  }),
};

const HELP = `rubric-gate view REPORT.json [-o FILE.html]

Writes one self-contained HTML page for a report: the run's overview, every file with its result,
the score per iteration as a chart, every criterion's verdict with its evidence, location and
explanation, the diff between iterations, filters by result. A calibration report (calibrate
--report) renders too, with its confusion matrices. The page loads nothing from the network: it
opens from a downloaded artifact on a machine with no internet.

Options:
${optionRows(FLAGS)}

Exit codes: 0 written; 2 usage error, or REPORT cannot be read or is not a rubric-gate report.`;

/** Where the page goes by default: beside the report, `.json` replaced by `.html`. */
export function pagePathFor(reportPath: string): string {
  return reportPath.toLowerCase().endsWith(".json")
    ? `${reportPath.slice(0, -5)}.html`
    : `${reportPath}.html`;
}

/** `rubric-gate view REPORT.json`: the report as a page people would rather look at (SPEC §11). */
export const viewCommand: Subcommand = {
  args: "REPORT.json [-o FILE.html]",
  summary: "write a self-contained HTML page for a grade or calibrate report",
  async run(argv, io) {
    const flags = parseFlags("view", argv, FLAGS);
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
      io.stderr("rubric-gate view: give exactly one REPORT, e.g. rubric-gate view rubric-gate-report.json");
      return 2;
    }
    const source = resolve(io.cwd, file);
    let document: unknown;
    try {
      document = JSON.parse(await readFile(source, "utf8"));
    } catch (error) {
      const why =
        error instanceof SyntaxError ? `it is not JSON (${error.message})` : (error as Error).message;
      io.stderr(
        `rubric-gate view: ${file}: ${why}; give the file written by grade --report or calibrate --report`,
      );
      return 2;
    }
    const viewed = viewOf(document);
    if (!viewed.ok) {
      io.stderr(`rubric-gate view: ${file}: ${viewed.message}`);
      return 2;
    }
    const output = flags.values.output ?? pagePathFor(file);
    if (output === "-") {
      io.stdout(viewed.html);
      return 0;
    }
    const target = resolve(io.cwd, output);
    if (target === source) {
      io.stderr(
        `rubric-gate view: -o ${output} is the report itself; choose another file, e.g. -o report.html`,
      );
      return 2;
    }
    try {
      await writeFile(target, viewed.html);
    } catch (error) {
      io.stderr(`rubric-gate view: -o ${output}: cannot write it (${(error as Error).message})`);
      return 2;
    }
    const kb = Math.max(1, Math.round(Buffer.byteLength(viewed.html) / 1024));
    io.stdout(
      `Wrote ${output} (${kb} KB, ${viewed.files} ${viewed.kind === "calibration" ? "example" : "file"}${viewed.files === 1 ? "" : "s"}): open it in a browser; it needs no network.`,
    );
    return 0;
  },
};
