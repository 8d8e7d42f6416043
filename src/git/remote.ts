import { httpStatusOf, type Octokit, type RepoRef } from "../github/octokit.js";

/** A commit as the Git Data API describes it. */
export interface CommitInfo {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
}

/** A file (blob) of a commit's tree. */
export interface TreeFile {
  path: string;
  /** `100644`, `100755` or `120000` (symbolic link). */
  mode: string;
  /** The blob's SHA (see `gitBlobSha`). */
  sha: string;
}

/** A file to write into a new tree: a regular file, executable or not (never a link). */
export interface NewFile {
  path: string;
  mode: "100644" | "100755";
  content: Uint8Array;
}

/** What became of a ref update: GitHub's refusal (not a fast-forward, protected branch, no permission) is a value. */
export type RefUpdate = { ok: true } | { ok: false; reason: string };

/**
 * The repository's git objects and branches on GitHub, through the Git Data API. Nothing here needs
 * a checkout or credentials on disk: objects are created from bytes, and a branch moves only by a ref
 * update that GitHub checks (`force: false` is refused unless it is a fast-forward).
 */
export interface GitRemote {
  readCommit(sha: string): Promise<CommitInfo>;
  /** Every file of a commit's tree, by path (recursive). */
  listFiles(commitSha: string): Promise<Map<string, TreeFile>>;
  /** The commit a branch points at, or null when there is no such branch. */
  branchHead(branch: string): Promise<string | null>;
  /** A tree equal to `baseTree` with `files` replaced or added. */
  writeTree(baseTree: string, files: NewFile[]): Promise<string>;
  writeCommit(commit: { message: string; tree: string; parents: string[] }): Promise<string>;
  /** Moves a branch to `sha` only when that is a fast-forward: a branch that moved is never rewound. */
  fastForward(branch: string, sha: string): Promise<RefUpdate>;
  /** Moves a branch to any commit. Only for rubric-gate's own branch, after checking who made its head. */
  forceUpdate(branch: string, sha: string): Promise<RefUpdate>;
  createBranch(branch: string, sha: string): Promise<RefUpdate>;
  deleteBranch(branch: string): Promise<RefUpdate>;
}

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
