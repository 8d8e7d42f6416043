import { execFile } from "node:child_process";
import { constants, existsSync } from "node:fs";
import { lstat, open, readFile, realpath, rename, stat, writeFile, unlink } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { glob } from "glob";
import { minimatch } from "minimatch";
import { tooLargeReason } from "../engine/decode.js";
import { UnreadableFileError, WriteRefusedError, type FileSink, type FileSource } from "../ports/files.js";

const run = promisify(execFile);
const ALWAYS_IGNORED = ["**/node_modules/**", ".git/**"];

/**
 * How a workspace treats symbolic links when it reads: `inside` follows a link only to a file inside
 * the workspace (the CLI); `never` reads through no link at all, not even one inside (the Action,
 * where the checkout is the pull request's and every link is the author's).
 */
export type LinkPolicy = "inside" | "never";

export interface WorkspaceOptions {
  /** Globs of files to list even when git ignores them (the Action's `paths`). */
  include?: string[];
  /** Default `inside`. */
  links?: LinkPolicy;
}

/**
 * The files of a directory. In a git work tree: tracked files plus untracked ones that are not ignored
 * (so `.gitignore` is honoured); elsewhere every file but `node_modules` and `.git`. Reads never leave
 * the directory: not through `..`, an absolute path or a symbolic link (see `LinkPolicy`), and never
 * from a special file (a FIFO would block, a device would not end).
 */
export function createWorkspaceSource(root: string, options: WorkspaceOptions = {}): FileSource {
  let listing: Promise<string[]> | undefined;
  let realRoot: Promise<string> | undefined;
  const list = (): Promise<string[]> => (listing ??= listFiles(root, options.include ?? []));
  const links = options.links ?? "inside";
  return {
    where: root,
    list,
    async glob(pattern) {
      const files = await list();
      return files.filter((file) => minimatch(file, pattern, { dot: true }));
    },
    async size(path) {
      if (isAbsolute(path) || path.split(/[\\/]/).includes("..")) return null;
      const info = await lstat(join(root, path)).catch(() => null);
      return info?.isFile() ? info.size : null;
    },
    async read(path, readOptions = {}) {
      if (isAbsolute(path) || path.split(/[\\/]/).includes("..")) {
        throw new UnreadableFileError(path, "outside", `${path} is not a path inside the workspace`);
      }
      const base = await (realRoot ??= realpath(root));
      let real: string;
      try {
        real = await realpath(join(base, path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      const inside = relative(base, real);
      if (inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)) {
        throw new UnreadableFileError(
          path,
          "outside",
          `${path} is a symbolic link to a file outside the workspace; it is never read`,
        );
      }
      if (links === "never" && real !== join(base, path)) {
        throw new UnreadableFileError(
          path,
          "link",
          `${path} is a symbolic link (or lies in a linked directory); the Action reads no file through a link`,
        );
      }
      return readRegularFile(path, real, readOptions.maxBytes);
    },
  };
}

/** Reads a regular file without following a last-moment link, refusing special files and huge ones. */
async function readRegularFile(
  path: string,
  real: string,
  maxBytes: number | undefined,
): Promise<Uint8Array | null> {
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") {
      throw new UnreadableFileError(path, "link", `${path} became a symbolic link while it was read`);
    }
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new UnreadableFileError(path, "special", `${path} is not a regular file; it is not read`);
    }
    if (maxBytes !== undefined && info.size > maxBytes) {
      throw new UnreadableFileError(path, "too_large", tooLargeReason(info.size, maxBytes));
    }
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
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
