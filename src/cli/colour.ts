/**
 * Colour for a person at a terminal, never for a log or a pipe: on when the stream is a TTY (and TERM
 * is not `dumb`), off when `NO_COLOR` is set to anything non-empty (no-color.org); `FORCE_COLOR`
 * forces it on (or off with `0`/`false`) either way.
 */
export function colourEnabled(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  const force = env["FORCE_COLOR"];
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (env["NO_COLOR"]) return false;
  return isTTY && env["TERM"] !== "dumb";
}

const SGR = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
const paint = (code: number, text: string): string => `\u001b[${code}m${text}\u001b[0m`;

/** Each rule: what to match in one line of output, and the colour of the match. */
const RULES: Array<[RegExp, number]> = [
  [/✔ satisfied\b/g, SGR.green],
  [/✘ (?:needs_revision|max_iterations_reached|failed)\b/g, SGR.red],
  [/! (?:grader_error|interrupted)\b/g, SGR.yellow],
  [/^(?:\S.*?:\d+|\S.*? \(.*?\)): fail\b/g, SGR.red],
  [/^(?:\S.*?:\d+|\S.*? \(.*?\)): warning\b/g, SGR.yellow],
  [/^Gate: PASSED\b.*$/g, SGR.green],
  [/^Gate: (?:FAILED|NOT PASSED)\b.*$/g, SGR.red],
  [/^Gate: nothing to grade\b.*$/g, SGR.yellow],
  [/: error: /g, SGR.red],
  [/\bwarning: /g, SGR.yellow],
  [/^ {2}fix: /g, SGR.cyan],
];

/**
 * Colours one already-safe line of output (the colour codes are added after every escape in the text
 * was removed): results, failing and advisory criteria, the gate, errors, warnings and fixes. A JSON
 * document is left as it is.
 */
export function colourize(text: string): string {
  // A JSON document (--json) stays exactly as written, for whoever parses it.
  if (/^\s*[[{]/.test(text)) return text;
  return text
    .split("\n")
    .map((line) => {
      let out = line;
      for (const [pattern, code] of RULES) out = out.replace(pattern, (match) => paint(code, match));
      return out;
    })
    .join("\n");
}
