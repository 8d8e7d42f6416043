import type { ReferenceFile } from "../judge/prompt.js";
import { UnreadableFileError, type FileSource } from "../ports/files.js";
import { globMatcher } from "../rubric/match.js";
import type { Rubric } from "../rubric/types.js";
import { hiddenPathReason } from "../util/secret-paths.js";

/** Characters of reference files one rubric may give its judge (about 25,000 tokens). */
export const CONTEXT_MAX_CHARS = 100_000;

export interface LoadedContext {
  files: ReferenceFile[];
  /** What was left out or cut, and why: said once per rubric, never silently. */
  notes: string[];
}

/**
 * The reference files of a rubric's `context` globs (SPEC §10), read where the graded files are read,
 * in path order, as text. Git's files, ignored files (the source does not list them) and secret-shaped
 * files are left out; a binary file is left out; past `CONTEXT_MAX_CHARS` the rest is cut, and the
 * judge is told so inside the last block.
 */
export async function loadContext(source: FileSource, rubric: Rubric): Promise<LoadedContext> {
  if (rubric.context.length === 0) return { files: [], notes: [] };
  const matches = globMatcher(rubric.context);
  const paths = (await source.list()).filter((path) => matches(path)).sort();
  const files: ReferenceFile[] = [];
  const notes: string[] = [];
  let left = CONTEXT_MAX_CHARS;
  if (paths.length === 0) notes.push(`its context globs match no file (${rubric.context.join(", ")})`);
  for (const [index, path] of paths.entries()) {
    const hidden = hiddenPathReason(path);
    if (hidden) {
      notes.push(`${path} is left out: ${hidden}`);
      continue;
    }
    if (left <= 0) {
      notes.push(
        `the context cap of ${CONTEXT_MAX_CHARS} characters was reached: ${paths.length - index} file(s) left out from ${path} on`,
      );
      break;
    }
    let bytes: Uint8Array | null;
    try {
      bytes = await source.read(path, { maxBytes: 4 * CONTEXT_MAX_CHARS });
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      notes.push(`${path} is left out: ${error.message}`);
      continue;
    }
    if (bytes === null) continue;
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      notes.push(`${path} is left out: it is not UTF-8 text`);
      continue;
    }
    if (text.includes("\u0000")) {
      notes.push(`${path} is left out: it is binary`);
      continue;
    }
    if (text.length > left) {
      notes.push(
        `${path} is cut at ${left} of its ${text.length} characters: the context cap of ${CONTEXT_MAX_CHARS} was reached`,
      );
      text = `${text.slice(0, left)}\n[cut here: the reference files are capped at ${CONTEXT_MAX_CHARS} characters]`;
      left = 0;
    } else {
      left -= text.length;
    }
    files.push({ path, content: text });
  }
  return { files, notes };
}
