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
