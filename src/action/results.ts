import { pendingReason, renderRevisions, revisionState } from "../delivery/render.js";
import type { Delivery } from "../delivery/types.js";
import type { RunResult } from "../engine/run.js";
import { fallbackNotice, type CheckHandle } from "../github/checks.js";
import { upsertStickyComment } from "../github/comment.js";
import { syncRollingIssue } from "../github/rolling-issue.js";
import type { CheckConclusion } from "../ports/github.js";
import { reportAt } from "../report/at-commit.js";
import type { Report } from "../report/schema.js";
import type { CheckRunGuard } from "./check-guard.js";
import type { ActionContext } from "./context.js";
import { log } from "./log.js";
import {
  checkTitle,
  conclusionOf,
  outcomeOf,
  publishCheck,
  setOutputs,
  summaryWith,
  writeReport,
} from "./publish.js";
import type { Target } from "./target.js";

// GitHub's job summary holds 1 MiB per step; keep well under it.
const JOB_SUMMARY_LIMIT = 512 * 1024;
const COMMENT_LIMIT = 65_000;

/**
 * Publishes a finished run: the JSON report, the check run on the head (and on the commit rubric-gate
 * pushed, if it pushed one), the job summary, the sticky comment, the rolling issue and the outputs.
 * Every output renders the same view of the report, so they agree. Returns the failing check's title
 * when the run fails the gate, else null.
 */
export async function publishResults(
  ctx: ActionContext,
  checks: CheckRunGuard,
  handle: CheckHandle,
  target: Target,
  { report, notices = [] }: RunResult & { notices?: string[] },
  delivery: Delivery | null,
): Promise<string | null> {
  const { api, event, inputs, repo, headSha } = ctx;
  const { plan } = target;
  const reportPaths = await writeReport(report);
  const pushed = delivery?.pushed ?? null;
  const headView = reportAt(report, new Set(), pendingReason(delivery));
  const section = (limit: number): string => (delivery ? renderRevisions(delivery, limit) : "");
  const committed = pushed !== null && plan.revise && plan.strategy === "commit";
  const headNotices = [
    ...notices,
    ...(committed
      ? [
          `rubric-gate committed its revision as ${pushed.sha} on ${pushed.branch}; that commit has its own check run.`,
        ]
      : []),
  ];
  const headConclusion = await checks.complete(handle, (h) =>
    publishCheck(api, h, headView, {
      inputs,
      notices: headNotices,
      extra: section(15_000),
      revisionState: revisionState(delivery),
    }),
  );
  // The commit rubric-gate pushed starts no workflow run (workflow-token pushes never do): its check
  // is posted here, from the verdicts the judge gave the revised versions, or a required check would hang.
  let current: { view: Report; conclusion: CheckConclusion } = { view: headView, conclusion: headConclusion };
  if (pushed) {
    const pushedHandle = await checks.start(api, {
      repo,
      name: inputs["check-name"],
      headSha: pushed.sha,
      detailsUrl: ctx.runUrl,
    });
    const view = reportAt(report, new Set(pushed.paths), pendingReason(delivery));
    let conclusion = conclusionOf(view, inputs);
    // Without `checks: write` the annotations already went to the log once; there is no check to post.
    if (pushedHandle.kind === "check-run") {
      conclusion = await checks.complete(pushedHandle, (h) =>
        publishCheck(api, h, view, {
          inputs,
          notices: [
            `The revision rubric-gate committed on top of ${headSha}, graded by the judge before the push.`,
          ],
          revisionState: revisionState(delivery),
        }),
      );
    }
    if (committed) current = { view, conclusion };
  }
  await log.summary(
    summaryWith(current.view, JOB_SUMMARY_LIMIT, section(200_000), {
      notices: [
        ...(handle.kind === "workflow-commands" ? [fallbackNotice(handle.reason)] : []),
        ...headNotices,
      ],
      revisionState: revisionState(delivery),
    }),
  );
  if (event.kind === "pull_request" && inputs.comment) {
    await bestEffort("sticky comment", async () => {
      const body = summaryWith(current.view, COMMENT_LIMIT, section(30_000), {
        revisionState: revisionState(delivery),
      });
      const result = await upsertStickyComment(api, { repo, issueNumber: event.number, body });
      log.info(`Sticky comment ${result.action}: ${result.url}`);
    });
  }
  if (event.kind === "full" && event.eventName === "schedule") {
    await bestEffort("rolling issue", async () => {
      const result = await syncRollingIssue(api, {
        repo,
        report: headView,
        runUrl: ctx.runUrl,
        sha: event.sha,
      });
      log.info(`Rolling issue: ${result.action}${result.url ? ` ${result.url}` : ""}`);
    });
  }
  setOutputs(outcomeOf(current.conclusion, current.view), current.conclusion, current.view, reportPaths, {
    sha: pushed?.sha ?? null,
    pullRequest: delivery?.pullRequest?.action === "closed" ? null : (delivery?.pullRequest?.number ?? null),
  });
  return current.conclusion === "failure" ? checkTitle(current.view, current.conclusion) : null;
}

/** Runs an optional publication; a failure is a warning, never the run's result. */
export async function bestEffort(what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    log.warning(`rubric-gate: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
