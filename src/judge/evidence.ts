/** Where a judge's evidence quote stands in the artifact, if it stands there at all. */
export interface EvidenceLocation {
  verified: boolean;
  /** 1-based line of the quote's start, or null when unverified or empty. */
  line: number | null;
}

/**
 * Checks a quote against the artifact. Exact match first; then a match that ignores differences in
 * white space only (models re-flow line breaks), which still pins the quote to real text. Anything
 * else — paraphrase, ellipsis, invented text — is unverified.
 */
export function locateEvidence(artifact: string, quote: string): EvidenceLocation {
  const trimmed = quote.trim();
  if (!trimmed) return { verified: false, line: null };
  const exact = artifact.indexOf(trimmed);
  if (exact >= 0) return { verified: true, line: lineAt(artifact, exact) };
  const offset = findIgnoringWhitespace(artifact, trimmed);
  if (offset >= 0) return { verified: true, line: lineAt(artifact, offset) };
  return { verified: false, line: null };
}

/** 1-based line number of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function findIgnoringWhitespace(text: string, quote: string): number {
  // Collapse runs of white space in both, keeping a map from collapsed positions to original offsets.
  const positions: number[] = [];
  let collapsed = "";
  let inSpace = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      if (!inSpace) {
        collapsed += " ";
        positions.push(i);
      }
      inSpace = true;
    } else {
      collapsed += ch;
      positions.push(i);
      inSpace = false;
    }
  }
  const needle = quote.replace(/\s+/g, " ");
  const at = collapsed.indexOf(needle);
  return at >= 0 ? (positions[at] ?? -1) : -1;
}
