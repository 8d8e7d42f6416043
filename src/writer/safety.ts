import { hasTokenShapedString } from "../util/redact.js";

// Paths the writer must never change, whatever a rubric matches (SPEC §8).
const PROTECTED: RegExp[] = [
  /^\.github\//,
  /(^|\/)action\.ya?ml$/,
  /(^|\/)CODEOWNERS$/,
  /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|Cargo\.lock|poetry\.lock|uv\.lock|Pipfile\.lock|Gemfile\.lock|composer\.lock|go\.sum)$/,
  /(^|\/)(AGENTS|CLAUDE|GEMINI)\.md$/i,
  /(^|\/)\.cursorrules$/,
  /(^|\/)\.cursor\//,
  /(^|\/)\.github\/copilot-instructions\.md$/,
  /(^|\/)\.windsurfrules$/,
];

/** Why the writer may not touch this path at all, or null when it may. */
export function protectedPathReason(path: string): string | null {
  const normalized = path.replace(/\\/g, "/").replace(/^\.\//, "");
  if (normalized.split("/").includes("..")) return `${path} leaves the workspace`;
  return PROTECTED.some((pattern) => pattern.test(normalized))
    ? `${path} is a protected path (workflows, action.yml, CODEOWNERS, agent instructions, lockfiles and package.json are never revised)`
    : null;
}

type Eol = "lf" | "crlf" | "none" | "mixed";

function eolStyle(text: string): Eol {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  if (crlf === 0 && lf === 0) return "none";
  if (crlf === 0) return "lf";
  if (lf === 0) return "crlf";
  return "mixed";
}

/** The smallest revision, as a fraction of the original's length, that is not suspicious. */
export const MIN_SIZE_RATIO = 0.5;

/** Why a revision was discarded, as a code: two discards in a row for the same one stop the loop. */
export type RejectionKind =
  | "empty"
  | "shrink"
  | "line_endings"
  | "bom"
  | "token"
  | "edits_do_not_apply"
  | "no_change"
  | "invalid_answer";

export interface Rejection {
  kind: RejectionKind;
  message: string;
}

/**
 * Checks a revision against SPEC §8: not empty, not shrunk beyond reason (at every size: a small file
 * may not be replaced wholesale either), same line endings, same byte-order mark, no token-shaped
 * strings. Returns why it is discarded, or null when it may stand.
 */
export function checkRevision(original: string, revised: string): Rejection | null {
  if (revised.trim() === "") return { kind: "empty", message: "the revision empties the file" };
  if (revised.length < original.length * MIN_SIZE_RATIO) {
    return {
      kind: "shrink",
      message: `the revision shrinks the file from ${original.length} to ${revised.length} characters (more than ${Math.round((1 - MIN_SIZE_RATIO) * 100)}%)`,
    };
  }
  const before = eolStyle(original);
  const after = eolStyle(revised);
  if (before !== "none" && before !== "mixed" && after !== "none" && after !== before) {
    return {
      kind: "line_endings",
      message: `the revision changes line endings from ${before.toUpperCase()} to ${after.toUpperCase()}`,
    };
  }
  if (original.startsWith("\uFEFF") !== revised.startsWith("\uFEFF")) {
    return { kind: "bom", message: "the revision changes the file's byte-order mark" };
  }
  if (hasTokenShapedString(revised)) {
    return { kind: "token", message: "the revision contains a token-shaped string" };
  }
  return null;
}

/** `checkRevision`'s reason alone: why a revision is discarded, or null when it may stand. */
export function revisionProblem(original: string, revised: string): string | null {
  return checkRevision(original, revised)?.message ?? null;
}
