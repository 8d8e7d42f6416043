/** The trailer every revision commit carries; a head commit with it is graded but not revised again. */
export const REVISION_TRAILER = { key: "Rubric-Gate", value: "revision" } as const;
/** The trailer naming the head commit a revision was graded at. */
export const ORIGINAL_HEAD_TRAILER = "Rubric-Gate-Original-Head";

export interface Trailer {
  key: string;
  value: string;
}

const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*)$/;

/**
 * The trailers of a commit message, as git reads them: the lines of the last paragraph, when every
 * line of it is `Key: value` (or a folded continuation line starting with whitespace).
 */
export function parseTrailers(message: string): Trailer[] {
  const paragraphs = message
    .replace(/\r\n/g, "\n")
    .trimEnd()
    .split(/\n[ \t]*\n/);
  // A one-paragraph message is a subject, never trailers.
  if (paragraphs.length < 2) return [];
  const lines = (paragraphs.at(-1) ?? "").split("\n");
  const trailers: Trailer[] = [];
  for (const line of lines) {
    const match = TRAILER_LINE.exec(line);
    if (match) trailers.push({ key: match[1] ?? "", value: (match[2] ?? "").trim() });
    else if (/^[ \t]+\S/.test(line) && trailers.length > 0) {
      const last = trailers[trailers.length - 1] as Trailer;
      last.value = `${last.value} ${line.trim()}`;
    } else return [];
  }
  return trailers;
}

/** True when the message carries `Rubric-Gate: revision` (keys compare case-insensitively, as git does). */
export function isRevisionCommit(message: string): boolean {
  return parseTrailers(message).some(
    (trailer) =>
      trailer.key.toLowerCase() === REVISION_TRAILER.key.toLowerCase() &&
      trailer.value.toLowerCase() === REVISION_TRAILER.value,
  );
}

/** The trailer block of a revision commit graded at `originalHead`. */
export function revisionTrailers(originalHead: string): string {
  return `${REVISION_TRAILER.key}: ${REVISION_TRAILER.value}\n${ORIGINAL_HEAD_TRAILER}: ${originalHead}`;
}
