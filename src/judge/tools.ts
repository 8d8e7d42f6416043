import { Minimatch } from "minimatch";
import { UnreadableFileError, type FileSource } from "../ports/files.js";
import { ToolLimitError, type ToolSpec, type ToolUse } from "../ports/models.js";
import { hiddenPathReason } from "../util/secret-paths.js";
import { dataBlock } from "./prompt.js";

/** Bounds of one grade's tool use (SPEC §10): past either, the grade is an error. */
export const TOOL_LIMITS = { calls: 10, bytes: 200_000 } as const;
/** What one call may return; a longer result is cut, and says so. */
const RESULT_MAX_CHARS = 30_000;
const LIST_MAX = 500;
const SEARCH_MAX = 100;

/** One tool call as the report records it. */
export interface ToolCallRecord {
  tool: string;
  /** The arguments as the model sent them (JSON), cut to 300 characters. */
  arguments: string;
  /** Characters of the result the model was sent. */
  chars: number;
  /** Why the call was refused (a path out of the workspace, a bad argument), or null. */
  refused: string | null;
}

export const GRADER_TOOL_SPECS: ToolSpec[] = [
  {
    name: "read_file",
    description:
      "Read a text file of the repository, or a range of its lines. Paths are relative to the repository root.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string", description: "e.g. docs/cli.md" },
        start_line: { type: "integer", minimum: 1, description: "first line (1-based), optional" },
        end_line: { type: "integer", minimum: 1, description: "last line, optional" },
      },
      required: ["path"],
      additionalProperties: false,
    },
  },
  {
    name: "list_files",
    description: "List the repository's files that match a glob, e.g. src/**/*.ts.",
    parameters: {
      type: "object",
      properties: { glob: { type: "string" } },
      required: ["glob"],
      additionalProperties: false,
    },
  },
  {
    name: "search_text",
    description:
      "Search the repository's text files for a literal string; returns path:line: text for each matching line.",
    parameters: {
      type: "object",
      properties: {
        text: { type: "string", description: "the literal text to find (case-sensitive)" },
        glob: { type: "string", description: "only files matching this glob, optional" },
      },
      required: ["text"],
      additionalProperties: false,
    },
  },
];

/**
 * The grader tools over a source, for one grade (SPEC §10): confined to the files the source lists
 * (no ignored files, nothing outside, no links out — the source refuses those), never git's files or
 * secret-shaped ones; at most `TOOL_LIMITS` calls and characters, past which `run` throws
 * `ToolLimitError`. Every call is recorded in `calls`.
 */
export function graderTools(source: FileSource, nonce: string): ToolUse & { calls: ToolCallRecord[] } {
  const calls: ToolCallRecord[] = [];
  let chars = 0;
  let listed: Promise<string[]> | undefined;
  const files = () =>
    (listed ??= source.list().then((all) => all.filter((p) => hiddenPathReason(p) === null)));

  /** The file as text; null when it is not text; a source's refusal (a link out, a special file) as a `Refusal`. */
  const readText = async (path: string): Promise<string | null> => {
    let bytes: Uint8Array | null;
    try {
      bytes = await source.read(path, { maxBytes: 1024 * 1024 });
    } catch (error) {
      if (error instanceof UnreadableFileError) throw new Refusal(error.message);
      throw error;
    }
    if (bytes === null) return null;
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      return text.includes("\u0000") ? null : text;
    } catch {
      return null;
    }
  };

  const tools: Record<string, (args: Record<string, unknown>) => Promise<string>> = {
    async read_file(args) {
      const path = pathArgument(args["path"]);
      if (!(await files()).includes(path)) {
        throw new Refusal(`${path} is not a file of the repository that tools may read`);
      }
      const text = await readText(path);
      if (text === null) throw new Refusal(`${path} cannot be read as text`);
      const lines = text.replace(/\n$/, "").split("\n");
      const start = positive(args["start_line"]) ?? 1;
      const end = Math.min(lines.length, positive(args["end_line"]) ?? lines.length);
      return lines
        .slice(start - 1, end)
        .map((line, i) => `${start + i}: ${line}`)
        .join("\n");
    },
    async list_files(args) {
      const glob = globArgument(args["glob"]);
      const matcher = new Minimatch(glob, { dot: true, nonegate: true, nocomment: true });
      const found = (await files()).filter((p) => matcher.match(p));
      return found.length > LIST_MAX
        ? [...found.slice(0, LIST_MAX), `[${found.length - LIST_MAX} more not shown]`].join("\n")
        : found.join("\n") || "(no file matches)";
    },
    async search_text(args) {
      const needle = args["text"];
      if (typeof needle !== "string" || needle === "") throw new Refusal("`text` must be a non-empty string");
      const glob = args["glob"] === undefined ? "**" : globArgument(args["glob"]);
      const matcher = new Minimatch(glob, { dot: true, nonegate: true, nocomment: true });
      const hits: string[] = [];
      for (const path of await files()) {
        if (!matcher.match(path)) continue;
        const text = await readText(path).catch((error: unknown) => {
          if (error instanceof Refusal) return null;
          throw error;
        });
        if (text === null) continue;
        for (const [i, line] of text.split("\n").entries()) {
          if (!line.includes(needle)) continue;
          hits.push(`${path}:${i + 1}: ${line.slice(0, 300)}`);
          if (hits.length >= SEARCH_MAX) return [...hits, `[stopped at ${SEARCH_MAX} matches]`].join("\n");
        }
      }
      return hits.join("\n") || "(no match)";
    },
  };

  return {
    specs: GRADER_TOOL_SPECS,
    calls,
    async run({ name, arguments: args }) {
      if (calls.length >= TOOL_LIMITS.calls) {
        throw new ToolLimitError(
          `the judge asked for more than ${TOOL_LIMITS.calls} tool calls in one grade`,
        );
      }
      const shown = (JSON.stringify(args) ?? "").slice(0, 300);
      const record: ToolCallRecord = { tool: name, arguments: shown, chars: 0, refused: null };
      calls.push(record);
      let result: string;
      const tool = tools[name];
      try {
        if (!tool) throw new Refusal(`there is no tool ${JSON.stringify(name)}`);
        if (typeof args !== "object" || args === null)
          throw new Refusal("the arguments must be a JSON object");
        result = await tool(args as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        record.refused = error.message;
        result = `refused: ${error.message}`;
      }
      if (result.length > RESULT_MAX_CHARS) {
        result = `${result.slice(0, RESULT_MAX_CHARS)}\n[cut at ${RESULT_MAX_CHARS} characters]`;
      }
      record.chars = result.length;
      chars += result.length;
      if (chars > TOOL_LIMITS.bytes) {
        throw new ToolLimitError(
          `the judge's tool results passed ${TOOL_LIMITS.bytes} characters in one grade`,
        );
      }
      return dataBlock("tool-result", nonce, result);
    },
  };
}

/** A call the tools decline: the model is told why, and may try another. */
class Refusal extends Error {}

function pathArgument(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new Refusal("`path` must be a non-empty string");
  const path = value
    .trim()
    .replace(/\\/g, "/")
    .replace(/^(?:\.\/)+/, "");
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path))
    throw new Refusal(`${value} is an absolute path: paths are relative to the repository root`);
  const hidden = hiddenPathReason(path);
  if (hidden) throw new Refusal(`${value}: ${hidden}`);
  return path
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

function globArgument(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new Refusal("`glob` must be a non-empty string");
  const glob = value.trim().replace(/^(?:\.\/)+/, "");
  if (glob.startsWith("/") || glob.split("/").includes(".."))
    throw new Refusal(`${value} leaves the repository`);
  return glob;
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}
