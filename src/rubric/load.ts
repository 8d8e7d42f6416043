import { readChecked, type FileSource } from "../ports/files.js";
import { compareStrings, unmatchedGlobProblems } from "./match.js";
import { parseRubric } from "./parse.js";
import type { ConfigProblem, Rubric } from "./types.js";

export const DEFAULT_RUBRICS_GLOB = "rubrics/**/*.md";

/** Rubric directories may hold calibration examples (`docs.examples/`) and a README: neither is a rubric. */
export function isRubricPath(path: string): boolean {
  const segments = path.split("/");
  const name = segments.pop() ?? "";
  // Exact case: a rubric named `readme.md` (one that grades README.md) is still a rubric.
  return name !== "README.md" && !segments.some((segment) => segment.endsWith(".examples"));
}

/** Finds, decodes and parses every rubric matching the pattern; rubrics come back sorted by path. */
export async function loadRubrics(
  source: FileSource,
  pattern: string,
): Promise<{ rubrics: Rubric[]; problems: ConfigProblem[] }> {
  const paths = (await source.glob(pattern)).filter(isRubricPath).sort(compareStrings);
  if (paths.length === 0) {
    return {
      rubrics: [],
      problems: [
        {
          file: pattern,
          line: 0,
          message: `no rubric file matches "${pattern}"${source.where ? ` in ${source.where}` : ""}`,
          hint: `pass a glob of your rubric files with \`--rubrics\` (CLI) or the \`rubrics\` input (Action); the default is \`${DEFAULT_RUBRICS_GLOB}\``,
        },
      ],
    };
  }

  const rubrics: Rubric[] = [];
  const problems: ConfigProblem[] = [];
  const loaded = await Promise.all(
    paths.map(async (path) => ({ path, read: await readChecked(source, path) })),
  );
  for (const { path, read } of loaded) {
    if (!read.ok) {
      problems.push({
        file: path,
        line: 0,
        message: `the rubric file is not read: ${read.reason}`,
        hint: "keep rubrics as regular files inside the repository",
      });
      continue;
    }
    const { bytes } = read;
    if (bytes === null) {
      problems.push({
        file: path,
        line: 0,
        message: "the rubric file could not be read",
        hint: "check the file exists and is readable",
      });
      continue;
    }
    const decoded = decodeUtf8(bytes);
    if (!decoded.ok) {
      problems.push({
        file: path,
        line: decoded.line,
        message: "the rubric file is not valid UTF-8",
        hint: "save the rubric as UTF-8",
      });
      continue;
    }
    const parsed = parseRubric(path, decoded.text);
    if (parsed.ok) rubrics.push(parsed.rubric);
    else problems.push(...parsed.problems);
  }
  return { rubrics, problems };
}

/** A problem for each positive `files` glob, of every rubric, that matches none of the paths. */
export function checkRubricGlobs(rubrics: Rubric[], allPaths: string[]): ConfigProblem[] {
  return rubrics.flatMap((rubric) => unmatchedGlobProblems(rubric, allPaths));
}

type Decoded = { ok: true; text: string } | { ok: false; line: number };

function decodeUtf8(bytes: Uint8Array): Decoded {
  // ignoreBOM keeps a BOM in the text, so the rubric's hash is the hash of the file's bytes.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    // A newline byte is never part of a multi-byte sequence, so lines can be checked one by one.
    let start = 0;
    let line = 1;
    for (let index = 0; index <= bytes.length; index++) {
      if (index < bytes.length && bytes[index] !== 0x0a) continue;
      try {
        decoder.decode(bytes.subarray(start, index));
      } catch {
        return { ok: false, line };
      }
      start = index + 1;
      line++;
    }
    return { ok: false, line: 1 };
  }
}
