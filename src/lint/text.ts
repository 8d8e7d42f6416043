/** Small word-level helpers for the rubric linter's heuristics. */

const STOPWORDS = new Set(
  (
    "a an the of to in on at for with by from into as and or nor but is are be been being it its it's " +
    "that this these those which who whom whose what there their they them his her our your you we " +
    "has have had do does did so than then such any some"
  ).split(" "),
);

/** Lower-case words (letters, digits, `-`, `_`, `.` inside a word), in order. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:[-_.'’][\p{L}\p{N}]+)*/gu) ?? [];
}

/** A crude stem, enough to match "examples" with "example" and "mentions" with "mention". */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return word.slice(0, -3) + "y";
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/** The content words of a text, stemmed: what two criteria are compared on. */
export function contentTokens(text: string): string[] {
  return words(text)
    .filter((word) => !STOPWORDS.has(word))
    .map(stem);
}

/** Jaccard similarity of two token sets: |A ∩ B| / |A ∪ B|, 1 for two empty sets. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  const left = new Set(a);
  const right = new Set(b);
  if (left.size === 0 && right.size === 0) return 1;
  let both = 0;
  for (const token of left) if (right.has(token)) both++;
  return both / (left.size + right.size - both);
}

/** Short quote of a criterion for messages. */
export function quoteText(text: string, max = 70): string {
  const one = text.replace(/\s+/g, " ").trim();
  return `"${one.length > max ? `${one.slice(0, max - 1)}…` : one}"`;
}
