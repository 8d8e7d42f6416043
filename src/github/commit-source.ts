import { minimatch } from "minimatch";
import { UnreadableFileError, type FileSource } from "../ports/files.js";
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
    async read(path, options) {
      const bytes = await api.getFileContent(repo, path, sha);
      return withinLimit(path, bytes, options?.maxBytes);
    },
  };
}

/** Reads each file once: rubrics are read to plan the run and again to grade it. */
export function memoize(source: FileSource): FileSource {
  const reads = new Map<string, Promise<Uint8Array | null>>();
  return {
    list: () => source.list(),
    glob: (pattern) => source.glob(pattern),
    async read(path, options) {
      let read = reads.get(path);
      if (!read) reads.set(path, (read = source.read(path)));
      const bytes = await read;
      return withinLimit(path, bytes, options?.maxBytes);
    },
  };
}

/** The bytes, unless they pass the caller's limit: then the same refusal the workspace gives. */
function withinLimit(
  path: string,
  bytes: Uint8Array | null,
  maxBytes: number | undefined,
): Uint8Array | null {
  if (bytes !== null && maxBytes !== undefined && bytes.length > maxBytes) {
    throw new UnreadableFileError(
      path,
      "too_large",
      `${path} is ${bytes.length} bytes, over the limit of ${maxBytes}`,
    );
  }
  return bytes;
}
