import { type Octokit } from "./octokit.js";
import type { GitRemote, RefUpdate, TreeFile } from "../ports/git.js";
import { httpStatusOf, type RepoRef } from "../ports/github.js";

/** A `GitRemote` over an Octokit from `createOctokit`. */
export function createGitRemote(octokit: Octokit, repo: RepoRef): GitRemote {
  const refused = (what: string, error: unknown): RefUpdate => {
    const status = httpStatusOf(error);
    if (status === undefined) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `GitHub refused to ${what} (HTTP ${status}: ${message})` };
  };
  return {
    async readCommit(sha) {
      const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
      return {
        sha: data.sha,
        message: data.message,
        tree: data.tree.sha,
        parents: data.parents.map((parent) => parent.sha),
      };
    },
    async listFiles(commitSha) {
      const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: commitSha, recursive: "1" });
      if (data.truncated) throw new Error(`the tree of ${commitSha} is too large to read in one API call`);
      const files = new Map<string, TreeFile>();
      for (const entry of data.tree) {
        if (entry.type === "blob" && entry.path && entry.sha && entry.mode) {
          files.set(entry.path, { path: entry.path, mode: entry.mode, sha: entry.sha });
        }
      }
      return files;
    },
    async branchHead(branch) {
      try {
        const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
        return data.object.sha;
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
    },
    async writeTree(baseTree, files) {
      const tree = [];
      for (const file of files) {
        const { data } = await octokit.rest.git.createBlob({
          ...repo,
          content: Buffer.from(file.content).toString("base64"),
          encoding: "base64",
        });
        tree.push({ path: file.path, mode: file.mode, type: "blob" as const, sha: data.sha });
      }
      const { data } = await octokit.rest.git.createTree({ ...repo, base_tree: baseTree, tree });
      return data.sha;
    },
    async writeCommit(commit) {
      const { data } = await octokit.rest.git.createCommit({ ...repo, ...commit });
      return data.sha;
    },
    async fastForward(branch, sha) {
      try {
        await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: false });
        return { ok: true };
      } catch (error) {
        return refused(`fast-forward ${branch}`, error);
      }
    },
    async forceUpdate(branch, sha) {
      try {
        await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true });
        return { ok: true };
      } catch (error) {
        return refused(`update ${branch}`, error);
      }
    },
    async createBranch(branch, sha) {
      try {
        await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
        return { ok: true };
      } catch (error) {
        return refused(`create ${branch}`, error);
      }
    },
    async deleteBranch(branch) {
      try {
        await octokit.rest.git.deleteRef({ ...repo, ref: `heads/${branch}` });
        return { ok: true };
      } catch (error) {
        return refused(`delete ${branch}`, error);
      }
    },
  };
}
