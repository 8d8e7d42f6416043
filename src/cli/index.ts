#!/usr/bin/env node
import { logText } from "../util/redact.js";
import { runCli } from "./main.js";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    controller.abort();
  });
}

runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  // Whatever a command prints may hold a file's name or a model's words, and may land in a CI log: no
  // terminal escape, no token-shaped string and no line the Actions runner would obey gets through.
  stdout: (text) => process.stdout.write(logText(text) + "\n"),
  stderr: (text) => process.stderr.write(logText(text) + "\n"),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      logText(
        `rubric-gate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      ),
    );
    process.exitCode = 2;
  },
);
