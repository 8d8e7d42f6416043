import { glob } from "glob";
import { planDelivery, type DeliveryPlan } from "../delivery/deliver.js";
import { createWorkspaceSource } from "../fs/workspace.js";
import { isRevisionCommit } from "../git/trailers.js";
import { createCommitSource, memoize } from "../github/commit-source.js";
import { listChangedFiles, type ChangedFile } from "../github/event.js";
import type { FileSource } from "../ports/files.js";
import { loadRubrics } from "../rubric/load.js";
import type { ActionContext } from "./context.js";
import { pullRequestPaths } from "./files.js";
import { pathGlobs } from "./inputs.js";
import { log } from "./log.js";

/** What a run grades and where its rubrics come from, and whether and how it revises. */
export interface Target {
  /** The checkout: what is graded. Links are never followed (SPEC §8). */
  workspace: FileSource;
  /** Where rubrics are read: the base commit on a pull request (never the head), else the checkout. */
  rubricSource: FileSource;
  /** The files to grade on a pull request; undefined: every file the rubrics match. */
  paths: string[] | undefined;
  /** The pull request's changed files (empty elsewhere). */
  changed: ChangedFile[];
  /** Files matched by the `paths` input: generated artifacts, graded though not in the diff. */
  generated: string[];
  plan: DeliveryPlan;
}

/** Chooses the files and the rubric source from the event, and plans the delivery of revisions. */
export async function chooseTarget(ctx: ActionContext): Promise<Target> {
  const { inputs, event, api, repo, workspaceRoot } = ctx;
  // A fork's pull request (SPEC §13), or any pull request a comment command grades: its files are read
  // at the head through the API, as data; nothing of it is checked out, and no generated file of this
  // job is its.
  const fork = isForkGrading(ctx);
  const throughApi = fork || event.eventName === "issue_comment";
  const generatedGlobs = throughApi ? [] : pathGlobs(inputs);
  if (throughApi && pathGlobs(inputs).length > 0) {
    log.info(
      `The \`paths\` input is ignored for ${fork ? "a fork's pull request" : "a comment command"}: only the pull request's changed files are graded.`,
    );
  }
  const workspace: FileSource =
    throughApi && event.kind === "pull_request"
      ? memoize(createCommitSource(api, repo, event.headSha))
      : createWorkspaceSource(workspaceRoot, { include: generatedGlobs, links: "never" });
  const generated = generatedGlobs.length
    ? await glob(generatedGlobs, { cwd: workspaceRoot, dot: true, nodir: true, posix: true })
    : [];
  let rubricSource: FileSource = workspace;
  let paths: string[] | undefined;
  let changed: ChangedFile[] = [];
  if (event.kind === "pull_request") {
    rubricSource = memoize(createCommitSource(api, repo, event.baseSha));
    const { rubrics } = await loadRubrics(rubricSource, inputs.rubrics);
    changed = await listChangedFiles(api, repo.owner, repo.repo, event.number);
    paths = pullRequestPaths({
      rubrics,
      changed: changed.map((file) => file.path),
      workspaceFiles: await workspace.list(),
      generated,
    });
    log.info(
      `Rubrics from the base commit ${event.baseSha}; ${changed.length} changed file(s), ${paths.length} to grade` +
        (throughApi ? `, read at the ${fork ? "fork's " : ""}head ${event.headSha} through the API.` : "."),
    );
  } else {
    log.info(`Grading every file the rubrics match at ${event.sha}.`);
  }
  const plan = planDelivery(inputs.revise, event, await headIsRevision(ctx));
  log.info(plan.revise ? `Revising; delivery: ${plan.strategy}.` : `Not revising: ${plan.reason}.`);
  return { workspace, rubricSource, paths, changed, generated, plan };
}

/**
 * Whether this run grades a fork's pull request: `fork-pull-requests: grade` under `pull_request_target`,
 * or a command a person with write access commented on it (`issue_comment`).
 */
export function isForkGrading({ event, inputs }: Pick<ActionContext, "event" | "inputs">): boolean {
  return (
    event.kind === "pull_request" &&
    event.isFork &&
    ((event.eventName === "pull_request_target" && inputs["fork-pull-requests"] === "grade") ||
      event.eventName === "issue_comment")
  );
}

/** Whether the pull request's head commit is rubric-gate's own revision; null when it cannot be read. */
async function headIsRevision({ git, event, inputs }: ActionContext): Promise<boolean | null> {
  if (inputs.revise === "off" || event.kind !== "pull_request") return false;
  try {
    return isRevisionCommit((await git.readCommit(event.headSha)).message);
  } catch (error) {
    log.warning(`rubric-gate: could not read the head commit ${event.headSha}: ${String(error)}`);
    return null;
  }
}
