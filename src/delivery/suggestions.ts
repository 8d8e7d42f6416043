import type { DraftReviewComment } from "../ports/github.js";
import { escapeCell } from "../report/markdown.js";
import { lineChanges, splitLines, type LineChange } from "./changes.js";
import { hunkContaining, parsePatchHunks } from "./patch.js";

/** GitHub shows at most this many suggestions of one review before they become hard to review. */
export const MAX_SUGGESTIONS_PER_REVIEW = 30;
/** Hidden marker of rubric-gate's suggestion comments, so a later run finds and replaces them. */
export const SUGGESTION_MARKER = "<!-- rubric-gate:suggestion -->";
// Well under GitHub's 65,536-character comment limit; a bigger change is shown as a diff instead.
const SUGGESTION_BODY_MAX = 60_000;

/** A change that can be offered as a suggestion: RIGHT-side lines `start`–`end` of the head, replaced by `content`. */
export interface Suggestion {
  path: string;
  start: number;
  end: number;
  /** The replacement lines, without terminators (a suggestion block's content). */
  content: string;
  /** The change of the revision this suggestion carries (for the changes left over). */
  change: LineChange;
}

export interface FileSuggestions {
  suggestions: Suggestion[];
  /** Changes that cannot be suggestions (not on the diff, not expressible): shown as a diff instead. */
  outside: LineChange[];
}

/**
 * Splits a revision into suggestions on the pull request's diff and changes outside it. A suggestion's
 * line range lies inside one hunk's RIGHT-side lines (`patch` is the file's patch from the pull-request
 * files API; without one every change is outside). `original` must be the file as it is at the head.
 */
export function planFileSuggestions(
  path: string,
  original: string,
  revised: string,
  patch: string | undefined,
): FileSuggestions {
  const hunks = patch === undefined ? [] : parsePatchHunks(patch);
  const lines = splitLines(original);
  const suggestions: Suggestion[] = [];
  const outside: LineChange[] = [];
  let lastEnd = 0;
  for (const change of lineChanges(original, revised)) {
    const anchored = anchor(change, lines).find(
      (candidate) => candidate.start > lastEnd && hunkContaining(hunks, candidate.start, candidate.end),
    );
    if (anchored === undefined) {
      outside.push(change);
      continue;
    }
    suggestions.push({ path, ...anchored, change });
    lastEnd = anchored.end;
  }
  return { suggestions, outside };
}

/**
 * Ways to express a change as "replace lines start–end with content": a replacement as itself; an
 * insertion by extending the line before it, else the line after it. None when the change cannot be
 * expressed (it only adds or drops the newline at the end of the file).
 */
function anchor(change: LineChange, lines: string[]): Array<{ start: number; end: number; content: string }> {
  const ways: Array<{ start: number; end: number; replaced: string[]; lines: string[] }> = [];
  if (change.count > 0) {
    ways.push({
      start: change.start,
      end: change.start + change.count - 1,
      replaced: lines.slice(change.start - 1, change.start - 1 + change.count),
      lines: change.lines,
    });
  } else {
    const before = lines[change.start - 2];
    if (before !== undefined) {
      ways.push({
        start: change.start - 1,
        end: change.start - 1,
        replaced: [before],
        lines: [before, ...change.lines],
      });
    }
    const after = lines[change.start - 1];
    if (after !== undefined) {
      ways.push({
        start: change.start,
        end: change.start,
        replaced: [after],
        lines: [...change.lines, after],
      });
    }
  }
  return ways.filter(expressible).map((way) => ({
    start: way.start,
    end: way.end,
    content: way.lines.map((line) => line.replace(/\r?\n$/, "")).join("\n"),
  }));
}

/** A suggestion block cannot say whether the last line of the file ends with a newline. */
function expressible(way: { replaced: string[]; lines: string[] }): boolean {
  const endsWithNewline = (lines: string[]): boolean => (lines.at(-1) ?? "\n").endsWith("\n");
  return endsWithNewline(way.replaced) === endsWithNewline(way.lines) || way.lines.length === 0;
}

/** A ```` ```suggestion ```` block whose fence is longer than any backtick run in the content. */
export function suggestionBlock(content: string): string {
  const longestRun = Math.max(0, ...Array.from(content.matchAll(/`+/g), (match) => match[0].length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return content === "" ? `${fence}suggestion\n${fence}` : `${fence}suggestion\n${content}\n${fence}`;
}

/** The review comment for a suggestion: marker, what it is for, the block. Null when it would be too long. */
export function suggestionComment(
  suggestion: Suggestion,
  context: { rubric: string; fixed: string[] },
): DraftReviewComment | null {
  const fixes =
    context.fixed.length > 0
      ? ` The revision fixes ${context.fixed.map((id) => escapeCell(id, 100)).join(", ")}.`
      : "";
  const body =
    `${SUGGESTION_MARKER}\nrubric-gate suggests this change so that the file meets ` +
    `${escapeCell(context.rubric, 200)}.${fixes}\n\n${suggestionBlock(suggestion.content)}`;
  if (body.length > SUGGESTION_BODY_MAX) return null;
  return {
    path: suggestion.path,
    body,
    line: suggestion.end,
    side: "RIGHT",
    ...(suggestion.start < suggestion.end
      ? { start_line: suggestion.start, start_side: "RIGHT" as const }
      : {}),
  };
}
