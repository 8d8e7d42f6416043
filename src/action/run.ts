import * as core from "@actions/core";
import { CheckRunGuard } from "./check-guard.js";
import { acceptComment, type AcceptedCommand } from "./comment.js";
import { connect, type ActionContext } from "./context.js";
import { runCommand } from "./command.js";
import { deliver } from "./deliver.js";
import { grade } from "./grade.js";
import { log } from "./log.js";
import { skipReason } from "./preflight.js";
import { publishSkip, setOutputs } from "./publish.js";
import { publishResults } from "./results.js";
import { gradeShard, publishMerged } from "./shards.js";
import { chooseTarget } from "./target.js";

/**
 * The Action: connect and read the event; open the check run; choose what to grade; grade; deliver
 * the revisions; publish. Errors are caught once, here, and no check run it opened is left open.
 */
export async function run(): Promise<void> {
  const checks = new CheckRunGuard();
  let command: AcceptedCommand | null = null;
  try {
    // One of the CLI's commands (`command:`): no event, no check run; its output and exit code.
    const cliCommand = core.getInput("command").trim();
    if (cliCommand) {
      await runCommand(cliCommand);
      return;
    }
    const connected = connect();
    if ("unsupported" in connected) {
      log.warning(connected.unsupported);
      setOutputs("skipped", "neutral", null, null);
      return;
    }
    let ctx: ActionContext;
    if ("comment" in connected) {
      // A pull request comment: only a command from a person with write access runs anything.
      const accepted = await phase("command", () => acceptComment(connected.connection, connected.comment));
      if ("ignored" in accepted) {
        log.info(`Nothing to run: ${accepted.ignored}.`);
        setOutputs("skipped", "neutral", null, null);
        return;
      }
      command = accepted;
      ctx = accepted.ctx;
    } else ctx = connected;
    // A sharded run (SPEC §12): matrix jobs grade and write reports; the final job publishes.
    if (ctx.inputs.shard) {
      await phase("shard", () => gradeShard(ctx));
      return;
    }
    const handle = await phase("check run", () =>
      checks.start(ctx.api, {
        repo: ctx.repo,
        name: ctx.inputs["check-name"],
        headSha: ctx.headSha,
        detailsUrl: ctx.runUrl,
      }),
    );
    if (command) await command.started(handle.kind === "check-run" ? handle.url : null);
    if (ctx.inputs["merge-reports"] !== "") {
      const failed = await phase("merging the shards' reports", () => publishMerged(ctx, checks, handle));
      if (failed !== null) log.failed(failed);
      return;
    }
    const skip = skipReason(ctx.event, ctx.inputs, ctx.env);
    if (skip) {
      await checks.complete(handle, (h) => publishSkip(ctx.api, h, skip));
      setOutputs("skipped", "neutral", null, null);
      await command?.finished(false);
      return;
    }
    const target = await phase("files to grade", () => chooseTarget(ctx));
    const graded = await phase("grading", () => grade(ctx, target));
    const delivery = target.plan.revise ? await phase("revisions", () => deliver(ctx, target, graded)) : null;
    const failure = await phase("report", () =>
      publishResults(ctx, checks, handle, target, graded, delivery),
    );
    if (failure !== null) log.failed(failure);
    await command?.finished(true);
  } catch (error) {
    await command?.finished(false);
    const message = error instanceof Error ? error.message : String(error);
    // A required check must not hang in_progress: every open one is closed as a failure with the reason.
    await checks.failOpen(message, (closeError) => {
      log.warning(
        `rubric-gate: closing the check run failed: ${closeError instanceof Error ? closeError.message : String(closeError)}`,
      );
    });
    core.setOutput("result", "error");
    log.failed(message);
  }
}

/** One folded group of the log per phase. */
async function phase<T>(name: string, body: () => Promise<T>): Promise<T> {
  core.startGroup(`rubric-gate: ${name}`);
  try {
    return await body();
  } finally {
    core.endGroup();
  }
}
