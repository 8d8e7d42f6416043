// Token-shaped strings that must never reach an annotation, a comment, a log or a committed file.
const TOKEN_PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
];

// Control characters (bar tab and newline), bidi controls and zero-width characters: they can disguise
// what a reader sees, move a terminal's cursor or split a token so that no pattern sees it whole.
const INVISIBLE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
// Every way a reader (or the Actions runner) may see a new line begin.
const LINE_BREAKS = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g;
// A line the Actions runner reads as a workflow command: `::name::` or the older `##[name]`, after any
// leading white space (the runner trims it before it looks).
const WORKFLOW_COMMAND = /^(\s*)(::|##\[)/gm;

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
  // Invisible characters go first: removed after redaction, they would join the halves of a token they
  // split ("ghp_\u0001abc…") into one that no pattern saw.
  return cap(redactTokens(text.replace(/\r\n?/g, "\n").replace(INVISIBLE, "")), maxLength);
}

/**
 * Untrusted text (a file name, a model's words) shown on one line: every line break is written as a
 * visible `⏎`, so a name cannot start a line of its own in a table, a terminal or the runner log.
 */
export function inlineText(text: string, maxLength: number): string {
  return safeText(text.replace(LINE_BREAKS, "⏎"), maxLength);
}

/**
 * Text for the runner log or a terminal, whoever wrote it: invisible and control characters removed
 * (a terminal escape cannot move the cursor), token-shaped strings redacted, and a line that would read
 * as a workflow command (`::error::…`, `::add-mask::…`, `::stop-commands::…`, `##[…]`) escaped with a
 * leading backslash, so the runner prints it instead of obeying it.
 */
export function logText(text: string): string {
  return redactTokens(text.replace(/\r\n?/g, "\n").replace(INVISIBLE, "")).replace(
    WORKFLOW_COMMAND,
    "$1\\$2",
  );
}

function cap(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : text.slice(0, Math.max(0, maxLength - 1)) + "…";
}
