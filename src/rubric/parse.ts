import { createHash } from "node:crypto";
import type { List, ListItem, Nodes, Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { frontmatterFromMarkdown } from "mdast-util-frontmatter";
import { frontmatter } from "micromark-extension-frontmatter";
import { parseFrontMatter } from "./frontmatter.js";
import type { FrontMatterBlock } from "./frontmatter.js";
import { deriveCriterionId, isValidCriterionId, slugify } from "./ids.js";
import { parseCheck, type Check } from "../checks/checks.js";
import type { ConfigProblem, Criterion, Rubric } from "./types.js";
import { modelSettings } from "../ports/models.js";

export type ParseRubricResult = { ok: true; rubric: Rubric } | { ok: false; problems: ConfigProblem[] };

const TASK_MARKER = /^\[[ xX]\]\s+/;
const ADVISORY_MARKER = /^\[advisory\]\s*/i;
// `{#id}`, `{#id weight=2}`, `{#no-todo check=absent pattern="TODO"}`: only at the very end of the
// item's text. Values may be quoted ("…" or '…') to hold spaces and braces.
const ATTRIBUTE_BLOCK = /\s*\{((?:[^{}"']|"[^"]*"|'[^']*')*)\}$/;
const ATTRIBUTE_TOKEN = /\s*(#[^\s"'{}]+|([A-Za-z_][\w-]*)=("[^"]*"|'[^']*'|[^\s"'{}]*))/y;
/** Attributes a deterministic check reads (SPEC §10); `check` names it. */
const CHECK_ATTRIBUTES = new Set(["check", "pattern", "regex", "ignore-case", "min", "max"]);

const ID_HINT =
  "an id is 1–64 characters of lowercase letters, digits, `_`, `.` and `-`, starting with a letter or digit";

/** Parses one rubric file; never throws, every problem names its line and a fix. */
export function parseRubric(path: string, text: string): ParseRubricResult {
  const hash = createHash("sha256").update(text, "utf8").digest("hex");
  // Line endings and a BOM change no line number; normalising them keeps guidance slices clean.
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const tree = fromMarkdown(source, {
    extensions: [frontmatter(["yaml"])],
    mdastExtensions: [frontmatterFromMarkdown(["yaml"])],
  });

  const first = tree.children[0];
  const block: FrontMatterBlock | undefined =
    first?.type === "yaml" ? { value: first.value, line: first.position?.start.line ?? 1 } : undefined;
  if (block === undefined && /^---[ \t]*\n/.test(source)) {
    // Without its closing fence the YAML reads as markdown: reporting on that body would only mislead.
    const problem: ConfigProblem = {
      file: path,
      line: 1,
      message: "the front matter block is not closed",
      hint: "end the front matter with a line holding only `---`",
    };
    return { ok: false, problems: [problem] };
  }
  const head = parseFrontMatter(path, block);
  const problems: ConfigProblem[] = head.ok ? [] : [...head.problems];

  const body = readBody(path, source, tree);
  problems.push(...body.problems);
  if (body.criteria.length === 0) {
    problems.push({
      file: path,
      line: 1,
      message: "the rubric has no criteria",
      hint: "write each criterion as a markdown list item, e.g. `- The page says how to install the tool`",
    });
  }
  problems.push(...duplicateIdProblems(path, body));

  if (!head.ok || problems.length > 0) {
    return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  }
  const meta = head.frontMatter;
  return {
    ok: true,
    rubric: {
      path,
      files: meta.files,
      fileLines: head.fileLines,
      description: meta.description,
      maxIterations: meta.max_iterations,
      threshold: meta.threshold,
      judge: meta.judge,
      writer: meta.writer,
      judgeSettings: modelSettings(meta.judge_effort, meta.judge_temperature),
      writerSettings: modelSettings(meta.writer_effort, meta.writer_temperature),
      revise: meta.revise,
      context: meta.context,
      tools: meta.tools,
      criteria: body.criteria,
      guidance: renderGuidance(body.guidance),
      hash,
    },
  };
}

interface Body {
  source: string;
  criteria: Criterion[];
  /** Criteria whose id was written as `{#id}` rather than derived. */
  explicit: Set<Criterion>;
  /** Guidance blocks in document order, grouped while consecutive blocks share a section. */
  guidance: { section: string; blocks: string[] }[];
  problems: ConfigProblem[];
}

function readBody(path: string, source: string, tree: Root): Body {
  const body: Body = { source, criteria: [], explicit: new Set(), guidance: [], problems: [] };
  const headings: { depth: number; text: string }[] = [];
  for (const node of tree.children) {
    const section = headings.map((heading) => heading.text).join(" > ");
    if (node.type === "heading") {
      while ((headings[headings.length - 1]?.depth ?? 0) >= node.depth) headings.pop();
      headings.push({ depth: node.depth, text: collapse(plainText(node)) });
    } else if (node.type === "list") {
      readList(path, node, section, body);
    } else {
      addGuidance(body, node, section);
    }
  }
  return body;
}

function addGuidance(body: Body, node: Nodes, section: string): void {
  if (!isGuidance(node)) return;
  const slice = sliceOf(body.source, node).trim();
  if (!slice) return;
  const last = body.guidance[body.guidance.length - 1];
  if (last && last.section === section) last.blocks.push(slice);
  else body.guidance.push({ section, blocks: [slice] });
}

/** The guidance text: verbatim blocks, each group headed by its section path when it has one. */
function renderGuidance(guidance: Body["guidance"]): string {
  return guidance
    .map(({ section, blocks }) => (section ? [`[Section: ${section}]`, ...blocks] : blocks).join("\n\n"))
    .join("\n\n");
}

/** Prose the judge should read. Front matter, rules and HTML comments (notes to maintainers) are not. */
function isGuidance(node: Nodes): boolean {
  if (node.type === "yaml" || node.type === "thematicBreak") return false;
  if (node.type === "html") return !/^\s*(?:<!--[\s\S]*?-->\s*)+$/.test(node.value);
  return true;
}

function readList(path: string, list: List, section: string, body: Body): void {
  for (const item of list.children) {
    readItem(path, item, section, body);
    for (const child of item.children) if (child.type === "list") readList(path, child, section, body);
  }
}

function readItem(path: string, item: ListItem, section: string, body: Body): void {
  const line = item.position?.start.line ?? 1;
  // The item's paragraphs are its text; its other blocks (code, quotes) are guidance like any prose.
  const paragraphs = item.children.filter((child) => child.type === "paragraph");
  for (const child of item.children) {
    if (child.type !== "paragraph" && child.type !== "list") addGuidance(body, child, section);
  }
  let text = collapse(paragraphs.map((child) => plainText(child)).join(" "));
  text = text.replace(TASK_MARKER, "");
  if (/^\[[ xX]\]$/.test(text)) text = "";
  const advisory = ADVISORY_MARKER.test(text);
  text = text.replace(ADVISORY_MARKER, "");

  // Attributes are read from the source as written (a pattern keeps its backslashes); the criterion's
  // text is the flattened text without its block.
  const last = paragraphs[paragraphs.length - 1];
  const raw = last ? sliceOf(body.source, last).trim() : "";
  const { id: explicitId, weight, check, problems } = readAttributes(ATTRIBUTE_BLOCK.test(raw) ? raw : text);
  const block = ATTRIBUTE_BLOCK.exec(text);
  if (block && tokenize(block[1] ?? "") !== null) text = text.slice(0, block.index).trimEnd();
  body.problems.push(...problems.map(({ message, hint }) => ({ file: path, line, message, hint })));

  if (!text) {
    // An empty item that only wraps a nested list is a container, not a forgotten criterion.
    if (item.children.some((child) => child.type === "list")) return;
    body.problems.push({
      file: path,
      line,
      message: "list item has no criterion text",
      hint: "write what the artifact must do, or remove the empty item",
    });
    return;
  }
  const criterion: Criterion = {
    id: explicitId ?? deriveCriterionId(section, text),
    text,
    section,
    advisory,
    weight,
    line,
    ...(check ? { check } : {}),
  };
  body.criteria.push(criterion);
  if (explicitId !== undefined) body.explicit.add(criterion);
}

interface Attributes {
  id: string | undefined;
  weight: number;
  check: Check | undefined;
  problems: { message: string; hint: string }[];
}

/** The tokens of an attribute block (`#id`, `key=value`, `key="quoted value"`), or null when it is not one. */
function tokenize(block: string): Array<{ id: string } | { key: string; value: string }> | null {
  const tokens: Array<{ id: string } | { key: string; value: string }> = [];
  ATTRIBUTE_TOKEN.lastIndex = 0;
  while (ATTRIBUTE_TOKEN.lastIndex < block.length) {
    if (block.slice(ATTRIBUTE_TOKEN.lastIndex).trim() === "") break;
    const match = ATTRIBUTE_TOKEN.exec(block);
    if (!match) return null;
    const [, token = "", key, value = ""] = match;
    if (key === undefined) tokens.push({ id: token.slice(1) });
    else tokens.push({ key, value: /^(["']).*\1$/s.test(value) ? value.slice(1, -1) : value });
  }
  return tokens.length > 0 ? tokens : null;
}

/** Reads a trailing `{#id weight=N check=… …}` block; text ending in other braces is left as it is. */
function readAttributes(text: string): Attributes {
  const result: Attributes = { id: undefined, weight: 1, check: undefined, problems: [] };
  const block = ATTRIBUTE_BLOCK.exec(text);
  const tokens = block ? tokenize(block[1] ?? "") : null;
  if (!tokens) return result;
  const problem = (message: string, hint: string): void => {
    result.problems.push({ message, hint });
  };
  const checkAttributes = new Map<string, string>();
  for (const token of tokens) {
    if ("id" in token) {
      const { id } = token;
      if (result.id !== undefined) {
        problem(`criterion has two ids, \`#${result.id}\` and \`#${id}\``, "keep one `{#id}` per item");
      } else if (!isValidCriterionId(id)) {
        const suggestion = slugify(id).slice(0, 64);
        problem(
          `invalid criterion id \`${id}\``,
          `${ID_HINT}${suggestion ? `, e.g. {#${suggestion}}` : ""} (ids become JSON-schema property names)`,
        );
      }
      result.id ??= id;
      continue;
    }
    const { key, value } = token;
    if (CHECK_ATTRIBUTES.has(key)) {
      checkAttributes.set(key, value);
      continue;
    }
    const number = Number(value);
    if (key !== "weight") {
      problem(
        `unknown criterion attribute \`${key}\``,
        'the attributes are `#id`, `weight=N` and a check (`check=contains|absent|links|words` with its arguments), e.g. {#no-todo check=absent pattern="TODO"}',
      );
    } else if (value === "" || !Number.isFinite(number) || number <= 0) {
      problem(
        `criterion weight \`${value}\` is not a positive number`,
        "write e.g. {weight=2} or {weight=0.5}",
      );
    } else {
      result.weight = number;
    }
  }
  if (checkAttributes.size > 0) {
    if (!checkAttributes.has("check")) {
      const [first = ""] = checkAttributes.keys();
      problem(
        `\`${first}\` is an argument of a check, but the criterion names no check`,
        `add the check it belongs to, e.g. {check=absent ${first}=…}`,
      );
    } else {
      const parsed = parseCheck(checkAttributes);
      if (parsed.ok) result.check = parsed.check;
      else problem(parsed.message, parsed.hint);
    }
  }
  return result;
}

function duplicateIdProblems(path: string, { criteria, explicit }: Body): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstLine = new Map<string, number>();
  for (const criterion of criteria) {
    const earlier = firstLine.get(criterion.id);
    if (earlier === undefined) {
      firstLine.set(criterion.id, criterion.line);
      continue;
    }
    const how = explicit.has(criterion) ? "" : " (derived from its section and text)";
    problems.push({
      file: path,
      line: criterion.line,
      message: `duplicate criterion id \`${criterion.id}\`${how}, first used at line ${earlier}`,
      hint: "give one of the two items a unique explicit id at its end, e.g. `{#unique-id}`",
    });
  }
  return problems;
}

/** The node's source text, with the indentation of an enclosing list item taken off its later lines. */
function sliceOf(source: string, node: Nodes): string {
  const start = node.position?.start;
  const end = node.position?.end.offset;
  if (start?.offset === undefined || end === undefined) return "";
  const indent = start.column - 1;
  const slice = source.slice(start.offset, end);
  if (indent === 0) return slice;
  return slice.replace(new RegExp(`\n[ \t]{0,${indent}}`, "g"), "\n");
}

/** The node's text with inline markup flattened: code, emphasis and links keep only their text. */
function plainText(node: Nodes): string {
  switch (node.type) {
    case "image":
    case "imageReference":
      return node.alt ?? "";
    case "break":
      return " ";
    default:
      break;
  }
  if ("children" in node) {
    const separator = node.type === "paragraph" || node.type === "heading" || isPhrasing(node) ? "" : " ";
    return node.children.map((child: Nodes) => plainText(child)).join(separator);
  }
  return "value" in node ? node.value : "";
}

function isPhrasing(node: Nodes): boolean {
  return ["emphasis", "strong", "delete", "link", "linkReference"].includes(node.type);
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
