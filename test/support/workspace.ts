import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCli } from "../../src/cli/main.js";

/** A temporary directory with the given files (not a git repository unless a test makes it one). */
export async function makeWorkspace(files: Record<string, string | Uint8Array>): Promise<{
  root: string;
  read(path: string): Promise<string>;
  cleanup(): Promise<void>;
}> {
  const root = await mkdtemp(join(tmpdir(), "rubric-gate-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return {
    root,
    read: (path) => readFile(join(root, path), "utf8"),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Runs the CLI in-process, as `rubric-gate ARGV` in `cwd` with `env`, capturing its output. */
export async function cli(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    cwd,
    env,
    stdout: (t) => (stdout += t + "\n"),
    stderr: (t) => (stderr += t + "\n"),
  });
  return { code, stdout, stderr };
}
