import { mkdir, writeFile } from "node:fs/promises";
import { readReportFile } from "../../fs/report-file.js";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { MergeError, mergeReports } from "../../report/merge.js";
import { ReportSchema, type Report } from "../../report/schema.js";
import { renderReport } from "../render.js";
import type { Subcommand } from "../command.js";
import { flag, optionRows, parseFlags } from "../flags.js";

const FLAGS = {
  output: flag({
    value: "FILE",
    short: "o",
    help: "where to write the merged report (required)",
    schema: z.string().min(1).optional(),
  }),
  json: flag({
    help: "print the merged report to stdout instead of the summary",
    schema: z.boolean().default(false),
  }),
};

const HELP = `rubric-gate merge-reports REPORT... -o FILE [--json]

Joins the reports of a sharded run (grade --shard I/N --report …) into the one report an unsharded
run would have written: files in path order, totals and cost summed, the gate decided again over
every file. Every shard must be given exactly once, all from the same run; a missing, duplicated or
mismatched shard is an error, never a merged report that passes with files left out.

Options:
${optionRows(FLAGS)}

Exit codes: 0 the merged gate passed; 1 it failed; 3 the judge could not be used on some file;
2 usage error, or the reports cannot be merged.`;

/** `rubric-gate merge-reports`: one report from a sharded run's reports (SPEC §12). */
export const mergeReportsCommand: Subcommand = {
  args: "REPORT... -o FILE [--json]",
  summary: "join the reports of grade --shard runs into one report; the gate is decided again",
  async run(argv, io) {
    const flags = parseFlags("merge-reports", argv, FLAGS);
    if (!flags.ok) {
      io.stderr(`rubric-gate: ${flags.message}`);
      return 2;
    }
    if (flags.help) {
      io.stdout(HELP);
      return 0;
    }
    if (flags.positionals.length === 0 || flags.values.output === undefined) {
      io.stderr(
        "rubric-gate merge-reports: give every shard's report and -o FILE, e.g. rubric-gate merge-reports shard-*.json -o report.json",
      );
      return 2;
    }
    const named: Array<{ name: string; report: Report }> = [];
    for (const name of flags.positionals) {
      const read = await readReportFile(resolve(io.cwd, name));
      if (!read.ok) {
        io.stderr(
          `rubric-gate merge-reports: ${name}: ${read.why} (give the files written by grade --shard I/N --report FILE)`,
        );
        return 2;
      }
      named.push({ name, report: read.report });
    }
    let merged: Report;
    try {
      merged = ReportSchema.parse(mergeReports(named));
    } catch (error) {
      if (!(error instanceof MergeError)) throw error;
      io.stderr(`rubric-gate merge-reports: ${error.message}`);
      return 2;
    }
    const target = resolve(io.cwd, flags.values.output);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, JSON.stringify(merged, null, 2) + "\n");
    io.stdout(flags.values.json ? JSON.stringify(merged, null, 2) : renderReport(merged));
    return merged.gate.exit_code;
  },
};
