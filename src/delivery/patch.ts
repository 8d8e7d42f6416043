/** The lines a hunk of a pull request's diff shows on its RIGHT (new) side, 1-based and inclusive. */
export interface DiffHunk {
  rightStart: number;
  /** Smaller than `rightStart` when the hunk shows no RIGHT-side line (a pure deletion). */
  rightEnd: number;
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The hunks of a file's `patch` as the pull-request files API returns it (hunks only, no file header). */
export function parsePatchHunks(patch: string): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let current: DiffHunk | null = null;
  for (const line of patch.split("\n")) {
    const header = HUNK_HEADER.exec(line);
    if (header) {
      const start = Number(header[1]);
      current = { rightStart: start, rightEnd: start - 1 };
      hunks.push(current);
    } else if (current && (line.startsWith("+") || line.startsWith(" ") || line === "")) {
      // Context and added lines are on the RIGHT side; a blank line is context whose space was trimmed.
      current.rightEnd += 1;
    }
  }
  // A trailing newline of the patch text is not a context line.
  if (current && patch.endsWith("\n")) current.rightEnd -= 1;
  return hunks;
}

/** The hunk that shows every line from `start` to `end` on its RIGHT side, if one does. */
export function hunkContaining(hunks: readonly DiffHunk[], start: number, end: number): DiffHunk | undefined {
  return hunks.find((hunk) => hunk.rightStart <= start && end <= hunk.rightEnd);
}
