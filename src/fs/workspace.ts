import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readFile, rename, stat, writeFile, unlink } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import { promisify } from "node:util";
import { glob } from "glob";
import { minimatch } from "minimatch";
import { WriteRefusedError, type FileSink, type FileSource } from "../engine/ports.js";

const run = promisify(execFile);
const ALWAYS_IGNORED = ["**/node_modules/**", ".git/**"];

/**
 * The files of a directory. In a git work tree: tracked files plus untracked ones that are not ignored
 * (so `.gitignore` is honoured); elsewhere every file but `node_modules` and `.git`.
 */
export function createWorkspaceSource(root: string, options: { include?: string[] } = {}): FileSource {
  let listing: Promise<string[]> | undefined;
  const list = (): Promise<string[]> => (listing ??= listFiles(root, options.include ?? []));
  return {
    list,
    async glob(pattern) {
      const files = await list();
      return files.filter((file) => minimatch(file, pattern, { dot: true }));
    },
    async read(path) {
      try {
        return new Uint8Array(await readFile(join(root, path)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
  };
}

/**
 * `include` globs add files git would not list, such as ignored build outputs that earlier steps of a
 * job generated (the Action's `paths` input).
 */
async function listFiles(root: string, include: string[]): Promise<string[]> {
  const listed = await listTracked(root);
  if (include.length === 0) return listed;
  const extra = await glob(include, {
    cwd: root,
    dot: true,
    nodir: true,
    posix: true,
    ignore: ALWAYS_IGNORED,
  });
  return [...new Set([...listed, ...extra])].sort();
}

async function listTracked(root: string): Promise<string[]> {
  try {
    const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      maxBuffer: 256 * 1024 * 1024,
    });
    const files = [...new Set(stdout.split("\0").filter(Boolean))];
    // Tracked files deleted from the work tree are not there to grade.
    return files.filter((file) => existsSync(join(root, file))).sort();
  } catch {
    const files = await glob("**/*", {
      cwd: root,
      dot: true,
      nodir: true,
      posix: true,
      ignore: ALWAYS_IGNORED,
    });
    return files.sort();
  }
}

/**
 * Writes files atomically (temporary file, then rename), keeping the original's mode. Refuses to
 * replace a symbolic link, and, given the bytes that were graded, a file that no longer holds them.
 */
export function createWorkspaceSink(root: string): FileSink {
  return {
    async write(path, content, expected) {
      const target = join(root, path);
      if ((await lstat(target).catch(() => null))?.isSymbolicLink()) {
        throw new WriteRefusedError(`${path} is a symbolic link: the revision was not written through it`);
      }
      if (expected !== undefined) {
        const current = await readFile(target).catch(() => null);
        if (current === null || !current.equals(expected)) {
          throw new WriteRefusedError(
            `${path} changed while it was graded: the revision was not written over it`,
          );
        }
      }
      const temporary = join(dirname(target), `.${basename(target)}.rubric-gate-${process.pid}.tmp`);
      const mode = (await stat(target).catch(() => null))?.mode;
      try {
        await writeFile(temporary, content, mode === undefined ? {} : { mode });
        await rename(temporary, target);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
    },
  };
}
