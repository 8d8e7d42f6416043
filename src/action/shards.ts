import { resolve } from "node:path";
import { glob } from "glob";
import { readReportFile } from "../fs/report-file.js";
import type { CheckHandle } from "../github/checks.js";
import { MergeError, mergeReports } from "../report/merge.js";
import { ReportSchema, type Report } from "../report/schema.js";
import type { CheckRunGuard } from "./check-guard.js";
import type { ActionContext } from "./context.js";
import { grade } from "./grade.js";
import { reportGlobs } from "./inputs.js";
import { log } from "./log.js";
import { forkSkipReason, judgeSkipReason } from "./preflight.js";
import { conclusionOf, outcomeOf, publishSkip, setOutputs, writeReport } from "./publish.js";
import { publishResults } from "./results.js";
import { chooseTarget } from "./target.js";

/**
 * A matrix job's part of a sharded run (input `shard`, SPEC §12): grade this shard's files and write
 * the report (and its page) for the final job; no check run, no comment, no issue. A fork's pull
 * request that is not to be graded writes nothing (the final job posts the neutral check); a missing
 * judge or key fails the job, so the final job reports the shard as missing rather than passing.
 */
export async function gradeShard(ctx: ActionContext): Promise<void> {
  const shard = ctx.inputs.shard;
  if (!shard) throw new Error("gradeShard needs the shard input");
  const label = `shard ${shard.index}/${shard.count}`;
  const forkSkip = forkSkipReason(ctx.event, ctx.inputs);
  if (forkSkip) {
    log.info(`rubric-gate ${label}: not graded. ${forkSkip}`);
    setOutputs("skipped", "neutral", null, null);
    return;
  }
  const judgeSkip = judgeSkipReason(ctx.inputs, ctx.env);
  if (judgeSkip) throw new Error(`${label}: ${judgeSkip}`);
  const target = await chooseTarget(ctx);
  const { report } = await grade(ctx, target);
  const paths = await writeReport(report);
  const conclusion = conclusionOf(report, ctx.inputs);
  setOutputs(outcomeOf(conclusion, report), conclusion, report, paths);
  const line = `rubric-gate ${label}: ${report.files.length} of ${report.shard?.files ?? "?"} matched files graded here; the report is at ${paths.json}. Upload it as an artifact; the final job (input merge-reports) publishes one check run and one comment for every shard.`;
  log.info(line);
  await log.summary(`${line}\n`);
}

/**
 * The final job of a sharded run (input `merge-reports`): reads every shard's report, merges them
 * (a missing, duplicated or mismatched shard fails the check with the reason) and publishes the check
 * run, summary, comment and rolling issue as an unsharded run would. Calls no model.
 */
export async function publishMerged(
  ctx: ActionContext,
  checks: CheckRunGuard,
  handle: CheckHandle,
): Promise<string | null> {
  const forkSkip = forkSkipReason(ctx.event, ctx.inputs);
  if (forkSkip) {
    await checks.complete(handle, (h) => publishSkip(ctx.api, h, forkSkip));
    setOutputs("skipped", "neutral", null, null);
    return null;
  }
  const patterns = reportGlobs(ctx.inputs);
  const files = (
    await Promise.all(
      patterns.map((pattern) => glob(pattern, { cwd: ctx.workspaceRoot, nodir: true, dot: true })),
    )
  )
    .flat()
    .sort();
  if (files.length === 0) {
    throw new Error(
      `merge-reports: no file matches ${patterns.map((p) => JSON.stringify(p)).join(", ")} under ${ctx.workspaceRoot}; download the shard jobs' report artifacts first (actions/download-artifact) and point merge-reports at them`,
    );
  }
  const named: Array<{ name: string; report: Report }> = [];
  for (const name of [...new Set(files)]) {
    const read = await readReportFile(resolve(ctx.workspaceRoot, name));
    if (!read.ok) throw new Error(`merge-reports: ${name}: ${read.why}`);
    named.push({ name, report: read.report });
  }
  let report: Report;
  try {
    report = ReportSchema.parse(mergeReports(named));
  } catch (error) {
    if (error instanceof MergeError) throw new Error(`merge-reports: ${error.message}`, { cause: error });
    throw error;
  }
  log.info(`rubric-gate: merged ${named.length} shard reports: ${report.files.length} files.`);
  const target = await chooseTarget(ctx);
  return publishResults(ctx, checks, handle, target, { report, rubrics: [], revisions: new Map() }, null);
}
