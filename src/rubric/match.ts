import { Minimatch } from "minimatch";
import type { ConfigProblem, Rubric } from "./types.js";

// `nonegate`/`nocomment`: a leading `!` is handled here, and a leading `#` is part of a name.
const OPTIONS = { dot: true, nonegate: true, nocomment: true } as const;

/** A `files` glob as written, minus a leading `./` (paths are relative and never start with one). */
function normalizeGlob(glob: string): string {
  return glob.replace(/^(?:\.\/)+/, "");
}

/** A matcher for globs with `!` negations, as a rubric's `files` are matched. */
export function globMatcher(files: readonly string[]): (path: string) => boolean {
  return compile(files);
}

function compile(files: readonly string[]): (path: string) => boolean {
  const positive: Minimatch[] = [];
  const negative: Minimatch[] = [];
  for (const glob of files) {
    if (glob.startsWith("!")) negative.push(new Minimatch(normalizeGlob(glob.slice(1)), OPTIONS));
    else positive.push(new Minimatch(normalizeGlob(glob), OPTIONS));
  }
  return (path) => {
    const relative = path.replace(/^(?:\.\/)+/, "");
    return positive.some((m) => m.match(relative)) && !negative.some((m) => m.match(relative));
  };
}

/** True when the path matches at least one positive glob of the rubric and none of its `!` globs. */
export function matchesRubric(rubric: Rubric, path: string): boolean {
  let matches = compiled.get(rubric);
  if (!matches) {
    matches = compile(rubric.files);
    compiled.set(rubric, matches);
  }
  return matches(path);
}

/** Globs compiled once per rubric: matching a large tree calls this once per file. */
const compiled = new WeakMap<Rubric, (path: string) => boolean>();

/** Every (file, rubric) pair, sorted by path then rubric path; a file may be matched by several rubrics. */
export function matchRubrics(rubrics: Rubric[], paths: string[]): Array<{ path: string; rubric: Rubric }> {
  const matchers = rubrics.map((rubric) => ({ rubric, matches: compile(rubric.files) }));
  const pairs: Array<{ path: string; rubric: Rubric }> = [];
  for (const path of new Set(paths)) {
    for (const { rubric, matches } of matchers) if (matches(path)) pairs.push({ path, rubric });
  }
  return pairs.sort((a, b) => compareStrings(a.path, b.path) || compareStrings(a.rubric.path, b.rubric.path));
}

/** A problem for each positive glob of the rubric that matches no path at all. */
export function unmatchedGlobProblems(rubric: Rubric, allPaths: string[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  rubric.files.forEach((glob, index) => {
    if (glob.startsWith("!")) return;
    const matcher = new Minimatch(normalizeGlob(glob), OPTIONS);
    if (allPaths.some((path) => matcher.match(path.replace(/^(?:\.\/)+/, "")))) return;
    problems.push({
      file: rubric.path,
      line: rubric.fileLines[index] ?? 1,
      message: `the glob "${glob}" in \`files\` matches no file`,
      hint: "check the glob is relative to the repository root, e.g. `docs/**/*.md`, and that the files exist",
    });
  });
  return problems;
}

/** Code-point order, so sorting does not depend on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
