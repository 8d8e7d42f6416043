import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type { Document, Pair } from "yaml";
import { z } from "zod";
import type { ConfigProblem } from "./types.js";
import { REASONING_EFFORTS } from "../ports/models.js";
import { levenshtein } from "../util/levenshtein.js";

const MODEL_PATTERN = /^(openai|openai-responses|anthropic|openai-compatible):\S+$/;

const modelSchema = z.string().regex(MODEL_PATTERN);

/** The rubric's YAML front matter. Strict: an unknown key is an error. */
export const FrontMatterSchema = z
  .object({
    files: z
      .array(z.string().min(1))
      .min(1)
      .refine((globs) => globs.length === 0 || globs.some((glob) => !glob.startsWith("!")), {
        message: "`files` holds only `!` negations, so it matches nothing",
      }),
    description: z.string().trim().min(1),
    max_iterations: z.number().int().min(0).max(20).default(3),
    threshold: z.number().min(0).max(1).optional(),
    judge: modelSchema.optional(),
    writer: modelSchema.optional(),
    judge_effort: z.enum(REASONING_EFFORTS).optional(),
    judge_temperature: z.number().min(0).max(2).optional(),
    writer_effort: z.enum(REASONING_EFFORTS).optional(),
    writer_temperature: z.number().min(0).max(2).optional(),
    revise: z.boolean().default(true),
    context: z.array(z.string().min(1)).default([]),
    tools: z.boolean().default(false),
  })
  .strict();

export type FrontMatter = z.output<typeof FrontMatterSchema>;

export const FRONT_MATTER_KEYS = Object.keys(FrontMatterSchema.shape) as (keyof FrontMatter)[];

/** The expected form of each key, for error messages. */
const EXPECTED: Record<keyof FrontMatter, string> = {
  files:
    'a non-empty list of globs relative to the repository root, e.g. ["docs/**/*.md", "!docs/drafts/**"]',
  description: "a non-empty string saying what the artifact is meant to be",
  max_iterations: "an integer from 0 to 20 (default 3)",
  threshold: "a number from 0 to 1, e.g. 0.8",
  judge:
    "`provider:model` with provider openai, openai-responses, anthropic or openai-compatible, e.g. openai:gpt-4.1",
  writer:
    "`provider:model` with provider openai, openai-responses, anthropic or openai-compatible, e.g. anthropic:claude-sonnet-4-6",
  judge_effort: `the judge's reasoning effort, one of ${REASONING_EFFORTS.join(", ")} (for reasoning models)`,
  judge_temperature: "a number from 0 to 2 (Anthropic takes 0 to 1; reasoning models take none)",
  writer_effort: `the writer's reasoning effort, one of ${REASONING_EFFORTS.join(", ")} (for reasoning models)`,
  writer_temperature: "a number from 0 to 2 (Anthropic takes 0 to 1; reasoning models take none)",
  revise: "true or false (unquoted)",
  context:
    'a list of globs of reference files the judge reads before the artifact, e.g. ["docs/cli-reference.md"]',
  tools: "true or false (unquoted): the judge may read, list and search the repository's files",
};

/** The raw front matter block: its YAML text and the 1-based line of its opening `---`. */
export interface FrontMatterBlock {
  value: string;
  line: number;
}

export type FrontMatterResult =
  { ok: true; frontMatter: FrontMatter; fileLines: number[] } | { ok: false; problems: ConfigProblem[] };

const FRONT_MATTER_EXAMPLE =
  'a `---` line, then `files: ["docs/**/*.md"]` and `description: User documentation`, then a closing `---` line';

/** Validates the front matter; every problem carries its line in the rubric file. */
export function parseFrontMatter(file: string, block: FrontMatterBlock | undefined): FrontMatterResult {
  if (block === undefined) {
    const problem: ConfigProblem = {
      file,
      line: 1,
      message: "the rubric has no YAML front matter",
      hint: `start the file with a front matter block: ${FRONT_MATTER_EXAMPLE}`,
    };
    return { ok: false, problems: [problem] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(block.value, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // The YAML text starts on the line after the opening `---`.
  const lineAt = (offset: number): number => block.line + lineCounter.linePos(offset).line;

  const problems: ConfigProblem[] = [];
  for (const error of doc.errors) {
    problems.push({
      file,
      line: lineAt(error.pos[0]),
      message: `invalid YAML in front matter: ${error.message}`,
      hint:
        error.code === "DUPLICATE_KEY"
          ? "remove the repeated key: each front matter key may appear once"
          : "fix the YAML syntax; quote values that contain `:`, `#`, `!`, `*`, `[` or `{`",
    });
  }
  // Syntax errors cascade: validating the keys of a half-parsed document would only add noise.
  if (problems.length > 0) return { ok: false, problems: sortByLine(problems) };

  for (const warning of doc.warnings) {
    if (warning.code !== "TAG_RESOLVE_FAILED") continue;
    // `- !drafts/**` is a YAML tag, not a negated glob: the value silently becomes "".
    const source = block.value.slice(warning.pos[0], warning.pos[1]);
    problems.push({
      file,
      line: lineAt(warning.pos[0]),
      message: `YAML reads \`${source}\` as a tag, not as a string`,
      hint: `quote values that start with \`!\`, e.g. - "${source}"`,
    });
  }
  // A line already explained above needs no second, vaguer problem from the schema.
  const reported = new Set(problems.map((problem) => problem.line));

  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) {
    problems.push({
      file,
      line: contents.range ? lineAt(contents.range[0]) : block.line + 1,
      message: "the front matter is not a mapping of keys to values",
      hint: `write \`key: value\` lines, e.g. ${FRONT_MATTER_EXAMPLE}`,
    });
    return { ok: false, problems: sortByLine(problems) };
  }
  const data: unknown = doc.toJS();

  const keyLine = (key: PropertyKey): number => {
    const pair = findPair(doc, key);
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    return range ? lineAt(range[0]) : block.line;
  };
  const nodeLine = (path: readonly PropertyKey[]): number => {
    const node = doc.getIn(path, true);
    if (isScalar(node) && node.range) return lineAt(node.range[0]);
    return keyLine(path[0] ?? "");
  };

  const parsed = FrontMatterSchema.safeParse(data ?? {});
  if (parsed.success && problems.length === 0) {
    const fileLines = parsed.data.files.map((_, index) => nodeLine(["files", index]));
    return { ok: true, frontMatter: parsed.data, fileLines };
  }

  const object = (data ?? {}) as Record<string, unknown>;
  for (const issue of parsed.error?.issues ?? []) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push(unknownKeyProblem(file, key, keyLine(key)));
      continue;
    }
    const key = String(issue.path[0] ?? "");
    const entry = typeof issue.path[1] === "number";
    const expected = entry ? "a non-empty glob string" : EXPECTED[key as keyof FrontMatter];
    if (!(key in object)) {
      problems.push({
        file,
        line: block.line,
        message: `front matter is missing the required key \`${key}\``,
        hint: `add \`${key}:\` with ${expected}`,
      });
      continue;
    }
    const where = entry ? `entry ${Number(issue.path[1]) + 1} of \`${key}\`` : `key \`${key}\``;
    const message =
      issue.code === "custom"
        ? issue.message
        : `front matter ${where} has the invalid value ${quote(valueAt(object, issue.path))}: expected ${expected}`;
    // Whole-key problems point at the key; a bad list entry points at the entry.
    const line = entry ? nodeLine(issue.path) : keyLine(key);
    if (!reported.has(line)) problems.push({ file, line, message, hint: `set ${where} to ${expected}` });
  }
  return { ok: false, problems: sortByLine(problems) };
}

function sortByLine(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line);
}

function findPair(doc: Document, key: PropertyKey): Pair | undefined {
  if (!isMap(doc.contents)) return undefined;
  return doc.contents.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(key));
}

function valueAt(object: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let value: unknown = object;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function quote(value: unknown): string {
  const text = value === undefined ? "undefined" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function unknownKeyProblem(file: string, key: string, line: number): ConfigProblem {
  const suggestion = closestKey(key);
  const allowed = FRONT_MATTER_KEYS.join(", ");
  return {
    file,
    line,
    message: `unknown front matter key \`${key}\``,
    hint: suggestion
      ? `did you mean \`${suggestion}\`? Allowed keys: ${allowed}`
      : `remove it; allowed keys: ${allowed}`,
  };
}

/** The allowed key nearest to a misspelt one, when the misspelling is small. */
export function closestKey(key: string): string | undefined {
  const normalize = (text: string): string => text.toLowerCase().replace(/[-_\s]/g, "");
  const wanted = normalize(key);
  let best: { key: string; distance: number } | undefined;
  for (const candidate of FRONT_MATTER_KEYS) {
    const distance = levenshtein(wanted, normalize(candidate));
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  if (!best) return undefined;
  const tolerance = Math.min(2, Math.floor(Math.max(wanted.length, 1) / 3));
  return best.distance <= tolerance ? best.key : undefined;
}
