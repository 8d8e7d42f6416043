import { escapeCell, escapeHtml, escapeProse, fencedBlock } from "../report/markdown.js";
import { safeText } from "../util/redact.js";
import type { FileReport } from "../report/schema.js";
import type { Delivery, FileDelivery } from "./types.js";

const DIFF_MAX = 20_000;

function fixes(file: FileDelivery): string {
  return file.fixed.length > 0 ? ` (fixes ${file.fixed.map((id) => escapeCell(id, 100)).join(", ")})` : "";
}

function stateCell(file: FileDelivery): string {
  switch (file.state) {
    case "committed":
      return `✅ committed in ${file.commit.slice(0, 12)} on ${escapeCell(file.branch, 200)}${fixes(file)}`;
    case "suggested":
      return (
        `💬 ${file.suggestions} suggestion${file.suggestions === 1 ? "" : "s"} in the review${fixes(file)}` +
        (file.outsideDiff ? "; the changes outside the diff are below" : "")
      );
    case "shown":
      return `📄 not delivered: ${escapeCell(file.reason, 500)}${fixes(file)}; the diff is below`;
    case "refused":
      return `⛔ discarded: ${escapeCell(file.reason, 500)}`;
  }
}

function diffOf(file: FileDelivery): { label: string; diff: string } | null {
  if (file.state === "shown" && file.diff) return { label: "revision, not delivered", diff: file.diff };
  if (file.state === "suggested" && file.outsideDiff) {
    return { label: "changes outside the pull request's diff", diff: file.outsideDiff };
  }
  return null;
}

/**
 * The "Revisions" section of the summary and the sticky comment: what became of each revision, and
 * as unified diffs what was not delivered (generated files, changes off the diff, a refused push).
 * At most `maxLength` characters; diffs that do not fit are left out with a note.
 */
export function renderRevisions(delivery: Delivery, maxLength: number): string {
  if (delivery.files.length === 0 && delivery.notes.length === 0 && delivery.pullRequest === null) return "";
  const head = ["### Revisions", ""];
  for (const note of delivery.notes) head.push(`> ${escapeProse(note, 1_000)}`, "");
  const pr = delivery.pullRequest;
  if (pr) head.push(`Pull request #${pr.number} ${pr.action}: ${encodeURI(pr.url)}`, "");
  if (delivery.review?.url) head.push(`Review with the suggestions: ${encodeURI(delivery.review.url)}`, "");
  if (delivery.files.length > 0) {
    head.push("| File | Revision |", "| --- | --- |");
    for (const file of delivery.files) head.push(`| ${escapeCell(file.path, 300)} | ${stateCell(file)} |`);
  }
  let text = head.join("\n").trimEnd();
  if (text.length > maxLength) return `${text.slice(0, Math.max(0, maxLength - 2))}…`;
  const omittedNote =
    "\n\n_Some diffs were left out to stay under the length limit; the JSON report has them._";
  let omitted = false;
  for (const file of delivery.files) {
    const shownDiff = diffOf(file);
    if (shownDiff === null) continue;
    const diff = safeText(shownDiff.diff, DIFF_MAX);
    const block =
      `\n\n<details><summary>${escapeHtml(file.path, 300)} — ${shownDiff.label}</summary>\n\n` +
      `${fencedBlock(diff, "diff")}\n\n</details>`;
    if (text.length + block.length + omittedNote.length > maxLength) {
      omitted = true;
      continue;
    }
    text += block;
  }
  return omitted ? text + omittedNote : text;
}

/** Why a revised file is graded as it was at a commit that does not hold its revision (see `reportAt`). */
export function pendingReason(delivery: Delivery | null): (file: FileReport) => string {
  return (file) => {
    const delivered = delivery?.files.find((f) => f.path === file.path);
    const best = `The best revision (iteration ${file.best_iteration ?? "?"})`;
    switch (delivered?.state) {
      case undefined:
        return `${best} is not in this commit`;
      case "committed":
        return `${best} is in commit ${delivered.commit.slice(0, 12)}, not in this one`;
      case "suggested":
        return `${best} is offered as ${delivered.suggestions} suggestion(s) in a review`;
      case "shown":
        return `${best} was not delivered (${delivered.reason}); its diff is in the summary`;
      case "refused":
        return `${best} was discarded: ${delivered.reason}`;
    }
  };
}

/** What became of a file's best revision, for the details of the summary (see `SummaryOptions.revisionState`). */
export function revisionState(delivery: Delivery | null): (file: FileReport) => string {
  return (file) => {
    const delivered = delivery?.files.find((f) => f.path === file.path);
    if (delivered?.state === "committed") {
      return `committed in ${delivered.commit.slice(0, 12)} on ${delivered.branch}`;
    }
    return file.written ? "written back" : "not committed";
  };
}
