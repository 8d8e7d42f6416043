import { createTwoFilesPatch, diffArrays } from "diff";

/**
 * A run of original lines that a revision replaces: lines `start` to `start + count - 1` of the
 * original (1-based), replaced by `lines`. `count` 0 inserts before line `start`; empty `lines` deletes.
 * Lines keep their terminators, so applying changes restores the revision byte for byte.
 */
export interface LineChange {
  start: number;
  count: number;
  lines: string[];
}

/** Splits text into lines that keep their terminators (`\n` or `\r\n`); the last may have none. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The changes that turn `original` into `revised`, in order, none overlapping or touching. */
export function lineChanges(original: string, revised: string): LineChange[] {
  const changes: LineChange[] = [];
  let line = 1;
  let open: LineChange | null = null;
  for (const part of diffArrays(splitLines(original), splitLines(revised))) {
    if (!part.added && !part.removed) {
      if (open) changes.push(open);
      open = null;
      line += part.count;
      continue;
    }
    open ??= { start: line, count: 0, lines: [] };
    if (part.removed) {
      open.count += part.count;
      line += part.count;
    } else open.lines.push(...part.value);
  }
  if (open) changes.push(open);
  return changes;
}

/** Applies changes computed on `original` (any subset of `lineChanges(original, …)`). */
export function applyLineChanges(original: string, changes: readonly LineChange[]): string {
  const lines = splitLines(original);
  const out: string[] = [];
  let next = 1;
  for (const change of [...changes].sort((a, b) => a.start - b.start)) {
    out.push(...lines.slice(next - 1, change.start - 1), ...change.lines);
    next = change.start + change.count;
  }
  out.push(...lines.slice(next - 1));
  return out.join("");
}

/** A unified diff (`a/PATH` → `b/PATH`), or "" when the texts are equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return "";
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, "", "");
}
