/**
 * Git's object database and refs in a real bare repository, driven with git's plumbing commands, for
 * the fake GitHub's Git Data endpoints: blobs (`hash-object -w`), trees (a temporary index with
 * `read-tree`, `update-index`, `write-tree`), commits (`commit-tree`) and refs (`update-ref` with the
 * old value, i.e. compare-and-swap). Tests then inspect the result with `git log` like any repository.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A refusal GitHub answers with an HTTP status (404, 409, 422) and a message. */
export class GitDataError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Person {
  name: string;
  email: string;
  date: string;
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
  path: string;
}

const ZERO = "0".repeat(40);

/** Runs git in `dir`; the author and committer are fixed so that tests are reproducible. */
export function gitIn(
  dir: string,
  args: string[],
  input?: string | Buffer,
  env: Record<string, string> = {},
): string {
  return execFileSync("git", args, {
    cwd: dir,
    input,
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "Test Human",
      GIT_AUTHOR_EMAIL: "human@example.com",
      GIT_COMMITTER_NAME: "Test Human",
      GIT_COMMITTER_EMAIL: "human@example.com",
      ...env,
    },
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["pipe", "pipe", "pipe"],
  }).toString("utf8");
}

export function openGitData(dir: string) {
  const git = (args: string[], input?: string | Buffer, env?: Record<string, string>): string =>
    gitIn(dir, args, input, env);
  const tryGit = (args: string[]): string | null => {
    try {
      return git(args).trim();
    } catch {
      return null;
    }
  };

  function resolve(rev: string): string | null {
    return tryGit(["rev-parse", "--verify", "--quiet", `${rev}^{object}`]);
  }

  function objectType(sha: string): string | null {
    return tryGit(["cat-file", "-t", sha]);
  }

  function person(line: string): Person {
    const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
    if (!match) throw new Error(`unparsable person line: ${line}`);
    const date = new Date(Number(match[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { name: match[1] ?? "", email: match[2] ?? "", date };
  }

  function readCommit(sha: string): CommitObject | null {
    const full = resolve(`${sha}^{commit}`);
    if (full === null) return null;
    const raw = git(["cat-file", "commit", full]);
    const split = raw.indexOf("\n\n");
    const headers = raw.slice(0, split).split("\n");
    const value = (key: string): string[] =>
      headers.filter((line) => line.startsWith(`${key} `)).map((line) => line.slice(key.length + 1));
    return {
      sha: full,
      tree: value("tree")[0] ?? "",
      parents: value("parent"),
      author: person(value("author")[0] ?? ""),
      committer: person(value("committer")[0] ?? ""),
      message: raw.slice(split + 2),
    };
  }

  function hashBlob(content: Buffer): string {
    return git(["hash-object", "-w", "--stdin"], content).trim();
  }

  function lsTree(treeish: string, recursive: boolean): TreeEntry[] | null {
    if (resolve(`${treeish}^{tree}`) === null) return null;
    const out = git(["ls-tree", "-l", "-z", ...(recursive ? ["-r", "-t"] : []), treeish]);
    return out
      .split("\0")
      .filter(Boolean)
      .map((line) => {
        const [meta = "", path = ""] = line.split("\t");
        const [mode = "", type = "", sha = "", size = "-"] = meta.split(/\s+/);
        return {
          mode,
          type: type as TreeEntry["type"],
          sha,
          ...(size === "-" ? {} : { size: Number(size) }),
          path,
        };
      });
  }

  /** A tree from `base` with entries set (sha or content) or removed (sha null), like POST /git/trees. */
  function writeTree(
    base: string | undefined,
    entries: Array<{ path: string; mode: string; type: string; sha?: string | null; content?: string }>,
  ): string {
    const index = mkdtempSync(join(tmpdir(), "rubric-gate-index-"));
    const env = { GIT_INDEX_FILE: join(index, "index") };
    try {
      if (base !== undefined) {
        if (resolve(`${base}^{tree}`) === null) throw new GitDataError(422, "base_tree is not a valid tree");
        git(["read-tree", base], undefined, env);
      } else git(["read-tree", "--empty"], undefined, env);
      for (const entry of entries) {
        if (entry.type !== "blob") throw new GitDataError(422, "this test server writes blob entries only");
        if (entry.sha === null) {
          git(["update-index", "--force-remove", "--", entry.path], undefined, env);
          continue;
        }
        const sha = entry.content !== undefined ? hashBlob(Buffer.from(entry.content, "utf8")) : entry.sha;
        if (sha === undefined || objectType(sha) !== "blob") {
          throw new GitDataError(422, `tree.sha ${String(sha)} is not a valid blob`);
        }
        git(["update-index", "--add", "--cacheinfo", `${entry.mode},${sha},${entry.path}`], undefined, env);
      }
      return git(["write-tree"], undefined, env).trim();
    } finally {
      rmSync(index, { recursive: true, force: true });
    }
  }

  function commitTree(commit: {
    tree: string;
    parents: string[];
    message: string;
    author: { name: string; email: string };
    committer: { name: string; email: string };
  }): string {
    if (objectType(commit.tree) !== "tree") throw new GitDataError(422, "tree is not a valid tree");
    for (const parent of commit.parents) {
      if (objectType(parent) !== "commit") throw new GitDataError(422, `parent ${parent} is not a commit`);
    }
    return git(
      ["commit-tree", commit.tree, ...commit.parents.flatMap((p) => ["-p", p]), "-F", "-"],
      commit.message,
      {
        GIT_AUTHOR_NAME: commit.author.name,
        GIT_AUTHOR_EMAIL: commit.author.email,
        GIT_COMMITTER_NAME: commit.committer.name,
        GIT_COMMITTER_EMAIL: commit.committer.email,
      },
    ).trim();
  }

  /** Moves `ref` from `expected` (null: it must not exist) to `sha`, atomically. */
  function updateRef(ref: string, sha: string, expected: string | null): void {
    try {
      git(["update-ref", ref, sha, expected ?? ZERO]);
    } catch (error) {
      throw new GitDataError(422, `Reference update failed: ${String(error)}`);
    }
  }

  function deleteRef(ref: string, expected: string): void {
    git(["update-ref", "-d", ref, expected]);
  }

  function isAncestor(ancestor: string, descendant: string): boolean {
    try {
      git(["merge-base", "--is-ancestor", ancestor, descendant]);
      return true;
    } catch {
      return false;
    }
  }

  function readBlob(rev: string, path: string): { sha: string; content: Buffer } | null {
    // `REV:PATH` names a blob by path; a `^{…}` suffix would be read as part of the path.
    const sha = tryGit(["rev-parse", "--verify", "--quiet", `${rev}:${path}`]);
    if (sha === null || objectType(sha) !== "blob") return null;
    const content = execFileSync("git", ["cat-file", "blob", sha], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
    return { sha, content };
  }

  return {
    dir,
    resolve,
    readCommit,
    hashBlob,
    lsTree,
    writeTree,
    commitTree,
    updateRef,
    deleteRef,
    isAncestor,
    readBlob,
  };
}

export type GitData = ReturnType<typeof openGitData>;
