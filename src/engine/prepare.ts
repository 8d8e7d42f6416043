import { minimatch } from "minimatch";
import { checkRubricGlobs, loadRubrics } from "../rubric/load.js";
import { matchesRubric } from "../rubric/match.js";
import type { ConfigProblem, Rubric } from "../rubric/types.js";
import type { FileSource } from "../ports/files.js";
import { partition, partitionDigest, type ShardSpec } from "./shard.js";

/** One file to grade with one rubric; `rubric` is null for an explicit path that no rubric matches. */
export interface Pair {
  path: string;
  rubric: Rubric | null;
  /** How many rubrics grade this path (revision needs exactly one). */
  rubricsForPath: number;
}

export interface Prepared {
  rubrics: Rubric[];
  problems: ConfigProblem[];
  pairs: Pair[];
  /** Set when sharded: this shard, and the digest of the whole partition (see `partitionDigest`). */
  shard?: ShardSpec & { partition: string; files: number };
}

/**
 * Loads and checks the rubrics and decides which file each one grades. Any problem means nothing is
 * graded: a configuration error never produces a passing gate.
 */
export async function prepareRun(options: {
  workspace: FileSource;
  rubricSource?: FileSource;
  rubricsGlob: string;
  paths?: string[];
  /** Grade only this part of the matched files (`--shard I/N`). */
  shard?: ShardSpec;
}): Promise<Prepared> {
  const loaded = await loadRubrics(options.rubricSource ?? options.workspace, options.rubricsGlob);
  const problems: ConfigProblem[] = [...loaded.problems];
  const allPaths = await options.workspace.list();
  if (problems.length === 0) problems.push(...checkRubricGlobs(loaded.rubrics, allPaths));
  const known = new Set(allPaths);
  // A PATH is a file, a folder (its files a rubric grades) or a glob (the same); each must name something.
  let explicit: string[] | undefined;
  const expanded = new Set<string>();
  for (const given of options.paths ?? []) {
    const path = normalizePath(given).replace(/\/+$/, "");
    if (known.has(path)) {
      (explicit ??= []).push(path);
      continue;
    }
    const glob = /[*?[\]{}]/.test(path);
    const inside = glob
      ? allPaths.filter((file) => minimatch(file, path, { dot: true }))
      : path === "" || path === "."
        ? allPaths
        : allPaths.filter((file) => file.startsWith(`${path}/`));
    const graded = inside.filter((file) => loaded.rubrics.some((r) => matchesRubric(r, file)));
    explicit ??= [];
    for (const file of graded) expanded.add(file);
    if (graded.length > 0) continue;
    problems.push({
      file: given,
      line: 0,
      message:
        inside.length === 0
          ? `${given} ${glob ? "matches no file" : "does not exist"} in the workspace, or is ignored`
          : `${given} holds ${inside.length} file(s), none of them matched by a rubric`,
      hint:
        inside.length === 0
          ? "pass files, folders or quoted globs that exist (in the Action, from the repository root), e.g. docs/guide.md, docs/ or 'docs/**/*.md'"
          : "check the rubrics' `files` globs, or pass the files themselves",
    });
  }
  if (explicit) explicit.push(...expanded);
  if (problems.length > 0) return { rubrics: loaded.rubrics, problems, pairs: [] };

  const pairs: Pair[] = [];
  for (const path of [...new Set(explicit ?? allPaths)].sort()) {
    const matching = loaded.rubrics.filter((r) => matchesRubric(r, path));
    if (matching.length === 0 && explicit) pairs.push({ path, rubric: null, rubricsForPath: 0 });
    for (const rubric of matching) pairs.push({ path, rubric, rubricsForPath: matching.length });
  }
  if (!options.shard) return { rubrics: loaded.rubrics, problems, pairs };
  return { rubrics: loaded.rubrics, problems, ...(await shardOf(options.workspace, pairs, options.shard)) };
}

/** This shard's pairs: a file goes whole to one shard, with every rubric that grades it. */
async function shardOf(
  workspace: FileSource,
  pairs: Pair[],
  shard: ShardSpec,
): Promise<{ pairs: Pair[]; shard: NonNullable<Prepared["shard"]> }> {
  const paths = [...new Set(pairs.map((p) => p.path))];
  const files = await Promise.all(
    paths.map(async (path) => ({ path, size: (await workspace.size?.(path)) ?? 1 })),
  );
  const shards = partition(files, shard.count);
  return {
    pairs: pairs.filter((p) => shards.get(p.path) === shard.index - 1),
    shard: { ...shard, partition: partitionDigest(files, shard.count), files: paths.length },
  };
}

/** Repository-relative path with forward slashes. */
export function normalizePath(path: string): string {
  return path.replace(/\\/g, "/").replace(/^(\.\/)+/, "");
}
