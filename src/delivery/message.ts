import { revisionTrailers } from "../git/trailers.js";

export interface RevisedFileFacts {
  path: string;
  rubric: string;
  /** Criteria the revision fixes. */
  fixed: string[];
}

const SUBJECT_MAX = 72;

/** One line of plain text: no control characters, no line breaks (paths and ids come from the repository). */
function oneLine(text: string, max = 200): string {
  const plain = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return plain.length <= max ? plain : `${plain.slice(0, max - 1)}…`;
}

/**
 * The message of a revision commit: a subject, the files with the criteria each revision fixes, and
 * the trailers `Rubric-Gate: revision` and `Rubric-Gate-Original-Head: <sha>`.
 */
export function revisionCommitMessage(files: readonly RevisedFileFacts[], originalHead: string): string {
  const only = files.length === 1 ? files[0] : undefined;
  const single = only ? `rubric-gate: revise ${oneLine(only.path)} to meet its rubric` : "";
  const subject =
    only && single.length <= SUBJECT_MAX
      ? single
      : `rubric-gate: revise ${files.length} file${files.length === 1 ? "" : "s"} to meet their rubrics`;
  const lines = files.map((file) => {
    const fixed = file.fixed.length > 0 ? `fixes ${file.fixed.map((id) => oneLine(id, 100)).join(", ")}` : "";
    return `- ${oneLine(file.path)} (${oneLine(file.rubric)})${fixed ? `: ${fixed}` : ""}`;
  });
  return [
    subject,
    "",
    "Revised by rubric-gate's writer model and re-graded from scratch by its judge:",
    "",
    ...lines,
    "",
    revisionTrailers(originalHead),
    "",
  ].join("\n");
}
