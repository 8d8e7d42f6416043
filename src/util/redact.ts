// Token-shaped strings that must never reach an annotation, a comment or a committed file.
const TOKEN_PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
];

/** True when the text holds something shaped like a GitHub, OpenAI, Anthropic, Slack or AWS credential. */
export function hasTokenShapedString(text: string): boolean {
  return TOKEN_PATTERNS.some((pattern) => {
    pattern.lastIndex = 0;
    return pattern.test(text);
  });
}

/** Replaces every token-shaped string with `[REDACTED]`. */
export function redactTokens(text: string): string {
  let out = text;
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, "[REDACTED]");
  return out;
}

/** Plain, length-capped, redacted text for annotations and comments (model output is data). */
export function safeText(text: string, maxLength: number): string {
  // Control characters (bar tab and newline), bidi controls and zero-width characters could disguise
  // what a reader sees. They go first: removed after redaction, they would join the halves of a token
  // they split ("ghp_\u0001abc…") into one that no pattern saw.
  const plain = redactTokens(
    text.replace(
      /[\u0000-\u0008\u000b-\u001f\u007f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g,
      "",
    ),
  );
  return plain.length <= maxLength ? plain : plain.slice(0, Math.max(0, maxLength - 1)) + "…";
}
