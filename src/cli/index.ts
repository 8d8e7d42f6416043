#!/usr/bin/env node
import { logText } from "../util/redact.js";
import { colourEnabled, colourize } from "./colour.js";
import { runCli } from "./main.js";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    controller.abort();
  });
}

// Colour is added to each stream's already-safe text, and only where a person reads it.
const out = colourEnabled(process.env, process.stdout.isTTY) ? colourize : (text: string) => text;
const err = colourEnabled(process.env, process.stderr.isTTY) ? colourize : (text: string) => text;

runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  // Whatever a command prints may hold a file's name or a model's words, and may land in a CI log: no
  // terminal escape, no token-shaped string and no line the Actions runner would obey gets through.
  stdout: (text) => process.stdout.write(out(logText(text)) + "\n"),
  stderr: (text) => process.stderr.write(err(logText(text)) + "\n"),
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
