import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The repository a command run from `cwd` works on: the nearest folder up from it that holds `.git`
 * (a folder, or a file in a worktree or submodule); `cwd` itself when none does.
 */
export function repositoryRoot(cwd: string): string {
  for (let at = resolve(cwd); ; at = dirname(at)) {
    if (existsSync(join(at, ".git"))) return at;
    if (dirname(at) === at) return resolve(cwd);
  }
}
