/**
 * Real git for tests: a bare "remote" repository in a temporary directory (what GitHub holds), a
 * clone where a "human" commits and pushes, and checkouts that play the runner's workspace.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gitIn } from "./git-data.js";

export interface GitFixture {
  /** The bare repository (serve it with `startGitHubServer({ gitDir })`). */
  bare: string;
  /** Runs git in the bare repository. */
  git(args: string[]): string;
  /** Commits files (null deletes) on `branch` as a human, pushes, and returns the new SHA. */
  commit(branch: string, files: Record<string, string | null>, message: string, from?: string): string;
  /** The SHA a ref points at in the remote, or null. */
  head(ref: string): string | null;
  /** A file's content at a commit of the remote. */
  show(rev: string, path: string): string;
  /** A new checkout of `sha` (a runner's workspace); with `merge`, the merge of `sha` into `merge`, as actions/checkout does for pull requests. */
  checkout(sha: string, options?: { mergeInto?: string }): { root: string; sha: string };
  /** The file's `patch` as the pull-request files API returns it: hunks only, no header, no final newline. */
  patch(base: string, head: string, path: string): string;
  cleanup(): void;
}

const CONFIG = ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"];

/** A remote with `files` committed on `main`. */
export function createGitFixture(files: Record<string, string>): GitFixture {
  const root = mkdtempSync(join(tmpdir(), "rubric-gate-git-"));
  const bare = join(root, "remote.git");
  const work = join(root, "work");
  const git = (dir: string, args: string[]): string => gitIn(dir, [...CONFIG, ...args]);
  git(root, ["init", "-q", "--bare", bare]);
  git(root, ["clone", "-q", bare, work]);
  let checkouts = 0;

  const write = (dir: string, changes: Record<string, string | null>): void => {
    for (const [path, content] of Object.entries(changes)) {
      const target = join(dir, path);
      if (content === null) rmSync(target, { force: true });
      else {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
    }
  };

  const fixture: GitFixture = {
    bare,
    git: (args) => git(bare, args),
    commit(branch, changes, message, from) {
      git(work, ["fetch", "-q", "origin"]);
      const exists = fixture.head(`refs/heads/${branch}`) !== null;
      const start = from ?? (exists ? `origin/${branch}` : undefined);
      if (start === undefined) git(work, ["checkout", "-q", "--orphan", branch]);
      else git(work, ["checkout", "-q", "-B", branch, start]);
      write(work, changes);
      git(work, ["add", "-A"]);
      git(work, ["commit", "-q", "--allow-empty", "-m", message]);
      git(work, ["push", "-q", "origin", `HEAD:refs/heads/${branch}`]);
      return git(work, ["rev-parse", "HEAD"]).trim();
    },
    head(ref) {
      try {
        return git(bare, ["rev-parse", "--verify", "--quiet", ref]).trim() || null;
      } catch {
        return null;
      }
    },
    show: (rev, path) => git(bare, ["show", `${rev}:${path}`]),
    checkout(sha, options = {}) {
      const dir = join(root, `checkout-${++checkouts}`);
      git(root, ["clone", "-q", "--no-checkout", bare, dir]);
      if (options.mergeInto === undefined) {
        git(dir, ["checkout", "-q", "--detach", sha]);
      } else {
        git(dir, ["checkout", "-q", "--detach", options.mergeInto]);
        git(dir, ["merge", "-q", "--no-ff", "--no-edit", sha]);
      }
      return { root: dir, sha: git(dir, ["rev-parse", "HEAD"]).trim() };
    },
    patch(base, head, path) {
      const diff = git(bare, ["diff", "--no-color", "--no-ext-diff", `${base}...${head}`, "--", path]);
      const start = diff.indexOf("\n@@");
      return start < 0 ? "" : diff.slice(start + 1).replace(/\n$/, "");
    },
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
  fixture.commit("main", files, "Initial commit");
  return fixture;
}
