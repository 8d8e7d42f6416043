import { minimatch } from "minimatch";
import type { FileSource } from "../ports/files.js";
import type { GitHubApi, RepoRef } from "../ports/github.js";

/**
 * The repository as it is at a commit, read through the API: on pull requests rubrics come from the
 * base, never from the head, so a pull request cannot rewrite the rubric that grades it. The API
 * works whatever depth the checkout fetched.
 */
export function createCommitSource(api: GitHubApi, repo: RepoRef, sha: string): FileSource {
  let listing: Promise<string[]> | undefined;
  const list = (): Promise<string[]> => (listing ??= api.listTree(repo, sha).then((paths) => paths.sort()));
  return {
    list,
    async glob(pattern) {
      return (await list()).filter((path) => minimatch(path, pattern, { dot: true }));
    },
    read: (path) => api.getFileContent(repo, path, sha),
  };
}

/** Reads each file once: rubrics are read to plan the run and again to grade it. */
export function memoize(source: FileSource): FileSource {
  const reads = new Map<string, Promise<Uint8Array | null>>();
  return {
    list: () => source.list(),
    glob: (pattern) => source.glob(pattern),
    read(path) {
      let read = reads.get(path);
      if (!read) reads.set(path, (read = source.read(path)));
      return read;
    },
  };
}
