import { minimatch } from "minimatch";
import type { FileSource } from "../engine/ports.js";
import type { GitHubApi, RepoRef } from "../github/octokit.js";

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
