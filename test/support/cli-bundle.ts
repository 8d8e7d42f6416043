/**
 * Runs the built CLI bundle (`dist/cli/index.js`) as a user would: `node dist/cli/index.js ARGV` in a
 * directory, with only the environment given. `RUBRIC_GATE_CLI_BUNDLE` points it at another bundle, so
 * the same tests can be run against an older build to show what they catch.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI_BUNDLE =
  process.env["RUBRIC_GATE_CLI_BUNDLE"] ?? fileURLToPath(new URL("../../dist/cli/index.js", import.meta.url));

export interface BundleRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bundle once and resolves with its exit code and output, whatever the code. */
export function runBundle(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<BundleRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BUNDLE, ...argv],
      { cwd, env: { PATH: process.env["PATH"], ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
