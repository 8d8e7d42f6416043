import { deliverRevisions } from "../delivery/deliver.js";
import type { Delivery } from "../delivery/types.js";
import type { RunResult } from "../engine/run.js";
import type { ActionContext } from "./context.js";
import { log } from "./log.js";
import type { Target } from "./target.js";

/** Delivers the revisions as the plan says (commit, suggestions, pull request, diff); null when not revising. */
export async function deliver(
  ctx: ActionContext,
  target: Target,
  graded: RunResult,
): Promise<Delivery | null> {
  const { plan } = target;
  if (!plan.revise) return null;
  const { event } = ctx;
  const delivery = await deliverRevisions({
    strategy: plan.strategy,
    note: plan.note,
    api: ctx.api,
    git: ctx.git,
    repo: ctx.repo,
    report: graded.report,
    revisions: graded.revisions,
    generated: new Set(target.generated),
    maxFileBytes: ctx.inputs["max-file-bytes"],
    target:
      event.kind === "pull_request"
        ? {
            kind: "pull_request",
            number: event.number,
            headSha: event.headSha,
            headRef: event.headRef,
            changed: target.changed,
          }
        : { kind: "branch", branch: branchOf(event.ref), sha: event.sha },
    runUrl: ctx.runUrl,
  });
  for (const file of delivery.files) log.info(`${log.name(file.path)}: ${file.state}`);
  for (const note of delivery.notes) log.notice(note);
  return delivery;
}

function branchOf(ref: string | null): string | null {
  return ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
}
