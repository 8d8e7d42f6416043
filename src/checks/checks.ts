import GithubSlugger from "github-slugger";
import { RE2JS } from "re2js";
import { lineAt } from "../judge/evidence.js";

/**
 * A criterion decided without a model (SPEC §10), from the attributes in its braces:
 * `{#no-todo check=absent pattern="TODO"}`.
 */
export type Check =
  | { kind: "contains" | "absent"; pattern: string; regex: boolean; ignoreCase: boolean }
  | { kind: "links" }
  | { kind: "words"; min: number | undefined; max: number | undefined };

export const CHECK_KINDS = ["contains", "absent", "links", "words"] as const;

/** What a check's verdict is built from: the same shape as a judge's, decided by code. */
export interface CheckOutcome {
  verdict: "pass" | "fail";
  /** A verbatim passage of the file (the match, the broken link), or "" for an absence. */
  evidence: string;
  explanation: string;
  /** 1-based line of the evidence, or null. */
  line: number | null;
}

/** Where the `links` check looks for the files a link points at. */
export interface LinkTargets {
  /** Whether `path` (relative to the workspace, forward slashes) is a file or a folder in it. */
  exists(path: string): Promise<boolean>;
  /** A markdown file's text, to check `#anchors` in it; null when it cannot be read. */
  read(path: string): Promise<string | null>;
}

/** Parses a check from a criterion's attributes; a problem says what to write instead. */
export function parseCheck(
  attributes: ReadonlyMap<string, string>,
): { ok: true; check: Check } | { ok: false; message: string; hint: string } {
  const kind = attributes.get("check") ?? "";
  const allowed = (names: string[]) => {
    const extra = [...attributes.keys()].filter((k) => k !== "check" && !names.includes(k));
    return extra.length === 0
      ? null
      : {
          ok: false as const,
          message: `\`check=${kind}\` takes no attribute \`${extra[0]}\``,
          hint: names.length
            ? `its attributes are ${names.map((n) => `\`${n}\``).join(", ")}`
            : "write it alone, e.g. {#links-resolve check=links}",
        };
  };
  const bool = (name: string): boolean | string => {
    const value = attributes.get(name);
    if (value === undefined || value === "false") return false;
    if (value === "true") return true;
    return `\`${name}=${value}\` is not true or false`;
  };
  switch (kind) {
    case "contains":
    case "absent": {
      const extra = allowed(["pattern", "regex", "ignore-case"]);
      if (extra) return extra;
      const pattern = attributes.get("pattern") ?? "";
      if (pattern === "") {
        return {
          ok: false,
          message: `\`check=${kind}\` needs a \`pattern\``,
          hint: `e.g. {check=${kind} pattern="TODO"}, or pattern="…" regex=true for a regular expression`,
        };
      }
      const regex = bool("regex");
      const ignoreCase = bool("ignore-case");
      for (const value of [regex, ignoreCase]) {
        if (typeof value === "string") return { ok: false, message: value, hint: "write true or false" };
      }
      if (regex === true) {
        const problem = regexProblem(pattern, ignoreCase === true);
        if (problem) {
          return {
            ok: false,
            message: `the pattern ${JSON.stringify(pattern)} is not a regular expression this check runs: ${problem}`,
            hint: "patterns use RE2 syntax (linear time: no backreferences or lookaround); drop regex=true to match the text as written",
          };
        }
      }
      return { ok: true, check: { kind, pattern, regex: regex === true, ignoreCase: ignoreCase === true } };
    }
    case "links": {
      const extra = allowed([]);
      return extra ?? { ok: true, check: { kind: "links" } };
    }
    case "words": {
      const extra = allowed(["min", "max"]);
      if (extra) return extra;
      const bound = (name: string): number | undefined | string => {
        const value = attributes.get(name);
        if (value === undefined) return undefined;
        const n = Number(value);
        return Number.isInteger(n) && n >= 0 ? n : `\`${name}=${value}\` is not a whole number`;
      };
      const min = bound("min");
      const max = bound("max");
      for (const value of [min, max]) {
        if (typeof value === "string")
          return { ok: false, message: value, hint: "e.g. {check=words min=200 max=1500}" };
      }
      if (min === undefined && max === undefined) {
        return {
          ok: false,
          message: "`check=words` needs `min`, `max` or both",
          hint: "e.g. {check=words min=200 max=1500}",
        };
      }
      if (typeof min === "number" && typeof max === "number" && min > max) {
        return { ok: false, message: `\`min=${min}\` is above \`max=${max}\``, hint: "swap them" };
      }
      return {
        ok: true,
        check: { kind: "words", min: min as number | undefined, max: max as number | undefined },
      };
    }
    default:
      return {
        ok: false,
        message: `unknown check \`${kind}\``,
        hint: `the checks are ${CHECK_KINDS.map((k) => `\`${k}\``).join(", ")}, e.g. {#no-todo check=absent pattern="TODO"}`,
      };
  }
}

function regexProblem(pattern: string, ignoreCase: boolean): string | null {
  try {
    RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The first match of the check's pattern: its offset and text, or null. */
function firstMatch(
  content: string,
  check: Extract<Check, { kind: "contains" | "absent" }>,
): { offset: number; text: string } | null {
  if (!check.regex) {
    const haystack = check.ignoreCase ? content.toLowerCase() : content;
    const needle = check.ignoreCase ? check.pattern.toLowerCase() : check.pattern;
    const at = haystack.indexOf(needle);
    return at < 0 ? null : { offset: at, text: content.slice(at, at + check.pattern.length) };
  }
  // RE2: linear in the text whatever the pattern, so an author's pattern cannot hang the run.
  const matcher = RE2JS.compile(check.pattern, check.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0).matcher(
    content,
  );
  if (!matcher.find()) return null;
  const start = matcher.start();
  return { offset: start, text: content.slice(start, matcher.end()) };
}

/** Decides one check on a file's content; `links` also looks at the files the links point at. */
export async function runCheck(
  check: Check,
  file: { path: string; content: string },
  targets: LinkTargets,
): Promise<CheckOutcome> {
  switch (check.kind) {
    case "contains":
    case "absent": {
      const match = firstMatch(file.content, check);
      const what = `${check.regex ? "the pattern" : "the text"} ${JSON.stringify(check.pattern)}${check.ignoreCase ? " (any case)" : ""}`;
      if (match === null) {
        return check.kind === "contains"
          ? { verdict: "fail", evidence: "", explanation: `The file does not contain ${what}.`, line: null }
          : { verdict: "pass", evidence: "", explanation: `The file does not contain ${what}.`, line: null };
      }
      const line = lineAt(file.content, match.offset);
      const evidence = quoteLine(file.content, match.offset, match.text);
      return check.kind === "contains"
        ? { verdict: "pass", evidence, explanation: `The file contains ${what} (line ${line}).`, line }
        : {
            verdict: "fail",
            evidence,
            explanation: `The file contains ${what} at line ${line}; remove it.`,
            line,
          };
    }
    case "words": {
      const words = countWords(file.content);
      const low = check.min !== undefined && words < check.min;
      const high = check.max !== undefined && words > check.max;
      const range =
        check.min !== undefined && check.max !== undefined
          ? `between ${check.min} and ${check.max}`
          : check.min !== undefined
            ? `at least ${check.min}`
            : `at most ${check.max}`;
      return {
        verdict: low || high ? "fail" : "pass",
        evidence: "",
        explanation: `The file has ${words} words; ${range} are required.${low ? " Add to it." : high ? " Shorten it." : ""}`,
        line: null,
      };
    }
    case "links":
      return checkLinks(file, targets);
  }
}

/** The match, widened to the rest of its line when that stays short, as a quote a reviewer can find. */
function quoteLine(content: string, offset: number, match: string): string {
  const start = content.lastIndexOf("\n", offset - 1) + 1;
  const endOfLine = content.indexOf("\n", offset);
  const line = content.slice(start, endOfLine < 0 ? content.length : endOfLine).trim();
  return line.length <= 200 && line.includes(match.trim()) ? line : match;
}

/** Words as a reader counts them: runs of letters or digits, markdown markup and code fences aside. */
export function countWords(content: string): number {
  const prose = content.replace(/^---\n[\s\S]*?\n---\n/, "").replace(/```[\s\S]*?```/g, " ");
  return prose.match(/[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu)?.length ?? 0;
}

/** Inline links and images, and reference definitions: `[text](target)`, `![alt](target)`, `[id]: target`. */
const LINK =
  /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm;

async function checkLinks(
  file: { path: string; content: string },
  targets: LinkTargets,
): Promise<CheckOutcome> {
  const content = withoutCode(file.content);
  const ownAnchors = anchorsOf(file.content);
  const broken: Array<{ line: number; link: string; why: string }> = [];
  let checked = 0;
  const anchorCache = new Map<string, Set<string> | null>();
  for (const match of content.matchAll(LINK)) {
    const target = (match[1] ?? match[2] ?? "").trim();
    if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue;
    checked++;
    const line = lineAt(content, match.index);
    const hash = target.indexOf("#");
    const pathPart = decode(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? null : decode(target.slice(hash + 1));
    if (pathPart === "") {
      if (anchor !== null && !ownAnchors.has(anchor.toLowerCase())) {
        broken.push({ line, link: target, why: `no heading in this file has the anchor #${anchor}` });
      }
      continue;
    }
    const resolved = resolveLink(file.path, pathPart.split("?")[0] ?? "");
    if (resolved === null) {
      broken.push({ line, link: target, why: "it points outside the repository" });
      continue;
    }
    if (!(await targets.exists(resolved))) {
      broken.push({ line, link: target, why: `${resolved} does not exist` });
      continue;
    }
    if (anchor !== null && anchor !== "" && /\.(md|markdown)$/i.test(resolved)) {
      let anchors = anchorCache.get(resolved);
      if (anchors === undefined) {
        const text = await targets.read(resolved);
        anchors = text === null ? null : anchorsOf(text);
        anchorCache.set(resolved, anchors);
      }
      if (anchors !== null && !anchors.has(anchor.toLowerCase())) {
        broken.push({ line, link: target, why: `no heading in ${resolved} has the anchor #${anchor}` });
      }
    }
  }
  const [first] = broken;
  if (first === undefined) {
    return {
      verdict: "pass",
      evidence: "",
      explanation:
        checked === 0 ? "The file has no relative links." : `All ${checked} relative links resolve.`,
      line: null,
    };
  }
  const list = broken
    .slice(0, 10)
    .map((b) => `line ${b.line}: ${b.link} (${b.why})`)
    .join("; ");
  return {
    verdict: "fail",
    evidence: first.link,
    explanation: `${broken.length} of ${checked} relative links do not resolve: ${list}${broken.length > 10 ? "; …" : ""}.`,
    line: first.line,
  };
}

/** The text with fenced and inline code blanked out (same length and lines), so links in code are not checked. */
function withoutCode(text: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/`[^`\n]+`/g, blank);
}

/** The anchors GitHub gives a markdown file's headings (and explicit `<a name>`/`id` anchors). */
export function anchorsOf(markdown: string): Set<string> {
  const text = withoutCode(markdown);
  // Headings in document order: GitHub numbers a repeated slug (`-1`, `-2`) in that order.
  const found: Array<{ at: number; anchor: string; slug: boolean }> = [];
  for (const match of text.matchAll(/^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    found.push({ at: match.index, anchor: plainHeading(match[2] ?? ""), slug: true });
  }
  for (const match of text.matchAll(/^(.+)\n(?:=+|-+)[ \t]*$/gm)) {
    const line = match[1] ?? "";
    if (!/^\s*([-*_])\s*(\1\s*)*$/.test(line) && !/^\s*[-*+]\s/.test(line) && line.trim() !== "") {
      found.push({ at: match.index, anchor: plainHeading(line), slug: true });
    }
  }
  for (const match of text.matchAll(/<a\s[^>]*\b(?:name|id)\s*=\s*["']([^"']+)["']/gi)) {
    found.push({ at: match.index, anchor: (match[1] ?? "").toLowerCase(), slug: false });
  }
  const slugger = new GithubSlugger();
  return new Set(found.sort((a, b) => a.at - b.at).map((h) => (h.slug ? slugger.slug(h.anchor) : h.anchor)));
}

/** A heading's text as GitHub slugs it: links and emphasis reduced to their text. */
function plainHeading(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_`]/g, "")
    .trim();
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A link's target relative to the linking file's folder; `/x` from the repository root; null outside it. */
export function resolveLink(from: string, target: string): string | null {
  const parts = target.startsWith("/") ? [] : from.split("/").slice(0, -1);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(segment);
  }
  return parts.join("/");
}
