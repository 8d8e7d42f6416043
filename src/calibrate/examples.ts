import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { readChecked, type FileSource } from "../ports/files.js";
import { compareStrings } from "../rubric/match.js";
import type { ConfigProblem, Rubric } from "../rubric/types.js";
import { levenshtein } from "../util/levenshtein.js";

/** A labeled example: an artifact and what a trustworthy judge should say about it. */
export interface Example {
  /** The example file, relative to the workspace. */
  path: string;
  /** The path the judge is told the artifact has. */
  presentedPath: string;
  /** The artifact: the file's text after its front matter. */
  content: string;
  /** Expected verdict per criterion id; criteria left out are not labeled. */
  expect: Record<string, "pass" | "fail">;
  /** Expected result of the whole file, if labeled. */
  expectResult: "satisfied" | "needs_revision" | null;
}

/**
 * The path the judge sees unless an example sets `path`: one neutral name for every example, so a file
 * name such as `fails-scope.md` cannot hint at its label.
 */
export const DEFAULT_PRESENTED_PATH = "example.md";

const Label = z.enum(["pass", "fail"]);

/** An example's front matter. Strict: an unknown key is an error. */
export const ExampleFrontMatterSchema = z
  .object({
    expect: z.record(z.string(), Label).optional(),
    expect_result: z.enum(["satisfied", "needs_revision"]).optional(),
    path: z.string().trim().min(1).optional(),
  })
  .strict();

const EXPECTED: Record<string, string> = {
  expect:
    "a mapping of criterion ids to pass or fail, e.g. `expect: { states-scope: pass, has-example: fail }`",
  expect_result: "satisfied or needs_revision",
  path: "the path the judge is told the artifact has, e.g. docs/guide.md",
};

/** `rubrics/docs.md` → `rubrics/docs.examples`. */
export function examplesDir(rubricPath: string): string {
  return rubricPath.replace(/\.md$/i, "") + ".examples";
}

/** Loads and validates every `*.md` example beside the rubric; examples come back sorted by path. */
export async function loadExamples(
  source: FileSource,
  rubric: Rubric,
): Promise<{ examples: Example[]; problems: ConfigProblem[] }> {
  const dir = examplesDir(rubric.path);
  const paths = (await source.glob(`${dir}/*.md`)).sort(compareStrings);
  if (paths.length === 0) {
    return {
      examples: [],
      problems: [
        {
          file: dir,
          line: 0,
          message: `no labeled examples for ${rubric.path}: ${dir}/ holds no *.md file`,
          hint: `add files such as ${dir}/good.md that start with front matter like \`expect: { ${rubric.criteria[0]?.id ?? "some-id"}: pass }\` or \`expect_result: satisfied\`, followed by the artifact`,
        },
      ],
    };
  }
  const examples: Example[] = [];
  const problems: ConfigProblem[] = [];
  for (const path of paths) {
    const read = await readChecked(source, path);
    if (!read.ok) {
      problems.push({
        file: path,
        line: 0,
        message: read.reason,
        hint: "keep labeled examples as regular files inside the repository",
      });
      continue;
    }
    const { bytes } = read;
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes ?? new Uint8Array());
    } catch {
      problems.push({
        file: path,
        line: 1,
        message: "the example is not valid UTF-8",
        hint: "save it as UTF-8",
      });
      continue;
    }
    const parsed = parseExample(path, text, rubric);
    if (parsed.ok) examples.push(parsed.example);
    else problems.push(...parsed.problems);
  }
  return { examples, problems };
}

/** Parses one example file: strict YAML front matter with labels, then the artifact. Never throws. */
export function parseExample(
  path: string,
  text: string,
  rubric: Rubric,
): { ok: true; example: Example } | { ok: false; problems: ConfigProblem[] } {
  const fail = (line: number, message: string, hint: string) => ({
    ok: false as const,
    problems: [{ file: path, line, message, hint }],
  });
  const split = splitFrontMatter(text);
  if (!split) {
    return fail(
      1,
      "the example has no front matter with its labels",
      "start it with a `---` line, `expect: { some-id: pass }` and/or `expect_result: satisfied`, a closing `---` line, then the artifact",
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(split.yaml, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // The YAML starts on line 2, after the opening `---`.
  const lineAt = (offset: number): number => 1 + lineCounter.linePos(offset).line;
  const problems: ConfigProblem[] = [];
  for (const error of doc.errors) {
    problems.push({
      file: path,
      line: lineAt(error.pos[0]),
      message: `invalid YAML in the example's front matter: ${error.message}`,
      hint: "fix the YAML syntax, e.g. `expect: { states-scope: pass }`",
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (doc.contents !== null && !isMap(doc.contents)) {
    return fail(
      2,
      "the example's front matter is not a mapping of keys to values",
      `write \`key: value\` lines`,
    );
  }

  const keyLine = (...keyPath: string[]): number => {
    let node: unknown = doc.contents;
    let line = 1;
    for (const key of keyPath) {
      if (!isMap(node)) break;
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) line = lineAt(pair.key.range[0]);
      node = pair.value;
    }
    return line;
  };

  const data: unknown = doc.toJS() ?? {};
  const parsed = ExampleFrontMatterSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          problems.push({
            file: path,
            line: keyLine(key),
            message: `unknown key \`${key}\` in the example's front matter`,
            hint: `the keys are ${Object.keys(EXPECTED).join(", ")}`,
          });
        }
        continue;
      }
      const keyPath = issue.path.map(String);
      const key = keyPath[0] ?? "";
      const where = keyPath.length > 1 ? `\`${keyPath.join(".")}\`` : `\`${key}\``;
      problems.push({
        file: path,
        line: keyLine(...keyPath),
        message: `${where} has the invalid value ${JSON.stringify(valueAt(data, keyPath)) ?? "undefined"}`,
        hint:
          keyPath.length > 1
            ? "each criterion's label is pass or fail"
            : `expected ${EXPECTED[key] ?? "a valid value"}`,
      });
    }
    return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  }

  const meta = parsed.data;
  const ids = rubric.criteria.map((criterion) => criterion.id);
  for (const id of Object.keys(meta.expect ?? {})) {
    if (ids.includes(id)) continue;
    const near = nearest(id, ids);
    problems.push({
      file: path,
      line: keyLine("expect", id),
      message: `\`${id}\` is not a criterion id of ${rubric.path}`,
      hint: near
        ? `did you mean \`${near}\`? The ids are: ${ids.join(", ")}`
        : `the ids are: ${ids.join(", ")}`,
    });
  }
  if (Object.keys(meta.expect ?? {}).length === 0 && meta.expect_result === undefined) {
    problems.push({
      file: path,
      line: 1,
      message: "the example labels nothing",
      hint: "add `expect: { some-id: pass }` with a label per criterion, and/or `expect_result: satisfied` or `needs_revision`",
    });
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return {
    ok: true,
    example: {
      path,
      presentedPath: meta.path ?? DEFAULT_PRESENTED_PATH,
      content: split.body,
      expect: meta.expect ?? {},
      expectResult: meta.expect_result ?? null,
    },
  };
}

/** Splits `---\nYAML\n---\nBODY`; the body is every byte after the closing fence's line break. */
function splitFrontMatter(text: string): { yaml: string; body: string } | null {
  const source = text.replace(/^\uFEFF/, "");
  const open = /^---[ \t]*\r?\n/.exec(source);
  if (!open) return null;
  const close = /^---[ \t]*(?:\r?\n|$)/m.exec(source.slice(open[0].length));
  if (!close) return null;
  const yamlEnd = open[0].length + close.index;
  return { yaml: source.slice(open[0].length, yamlEnd), body: source.slice(yamlEnd + close[0].length) };
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The candidate nearest to a misspelt word, when the misspelling is small. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const id of candidates) {
    const distance = levenshtein(word, id);
    if (!best || distance < best.distance) best = { id, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 4)) ? best.id : undefined;
}
