// The CLI in daily use, through the committed bundle: colour at a terminal (a pseudo-terminal made by
// util-linux `script`) and none in a pipe, NO_COLOR and FORCE_COLOR; the usage errors with their fix
// (did-you-mean for flags and commands, an unknown provider named with the known ones); folders and
// globs as PATHs; the repository found from a subfolder; `path:line:` failure lines; dry-run warnings.
import { execFile, execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { contains, scripted } from "../support/scripted.js";
import { makeWorkspace } from "../support/workspace.js";

const run = promisify(execFile);
const BUNDLE =
  process.env["RUBRIC_GATE_CLI_BUNDLE"] ?? fileURLToPath(new URL("../../dist/cli/index.js", import.meta.url));
const ESC = "\u001b[";

const RUBRIC = `---
files:
  - docs/**/*.md
description: A page of the docs.
---

- Has an Install section. {#install}
- [advisory] Has a Usage line. {#usage}
`;

let server: ModelServer;
let ws: Awaited<ReturnType<typeof makeWorkspace>>;
beforeAll(async () => {
  server = await startModelServer(
    scripted({ judge: { install: contains("## Install"), usage: contains("Usage:") } }),
  );
  ws = await makeWorkspace({
    "rubrics/docs.md": RUBRIC,
    "docs/guide.md": "# Guide\n\n## Install\n\nnpm i tool\n\nUsage: tool run\n",
    "docs/api/ref.md": "# Reference\n\nNo install section.\n",
    "docs/api/notes.txt": "not markdown\n",
  });
  execFileSync("git", ["init", "-q"], { cwd: ws.root });
});
afterAll(async () => {
  await ws.cleanup();
  await server.close();
});

const env = (extra: Record<string, string> = {}): Record<string, string> => {
  const base: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
  };
  return {
    ...base,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: server.openaiBaseURL,
    TERM: "xterm-256color",
    ...extra,
  };
};

/** The bundle in a pipe: exit code and both streams. */
async function piped(args: string[], cwd = ws.root, extra: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BUNDLE, ...args], { cwd, env: env(extra) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * The bundle at a pseudo-terminal (util-linux `script`): what a person sees, both streams together.
 * Asynchronous: the model server answering it runs in this process.
 */
async function atTerminal(args: string[], extra: Record<string, string> = {}): Promise<string> {
  const line = [process.execPath, BUNDLE, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  try {
    return (await run("script", ["-qec", line, "/dev/null"], { cwd: ws.root, env: env(extra) })).stdout;
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

describe("colour", () => {
  it("at a terminal: the result, the failing criterion and the gate are coloured", async () => {
    const out = await atTerminal(["grade", "--judge", "openai:gpt-4.1"]);
    expect(out).toContain(`${ESC}31m✘ needs_revision${ESC}0m`);
    expect(out).toContain(`${ESC}32m✔ satisfied${ESC}0m`);
    expect(out).toMatch(new RegExp(`\\u001b\\[31mdocs/api/ref\\.md:\\d+: fail\\u001b\\[0m install`));
    expect(out).toMatch(/\u001b\[31mGate: FAILED: 1 graded file of 2/);
  }, 60_000);

  it("in a pipe, or with NO_COLOR, none; FORCE_COLOR turns it on in a pipe", async () => {
    const plain = await piped(["grade", "--judge", "openai:gpt-4.1"]);
    expect(plain.code).toBe(1);
    expect(plain.stdout + plain.stderr).not.toContain(ESC);
    expect(await atTerminal(["grade", "--judge", "openai:gpt-4.1"], { NO_COLOR: "1" })).not.toContain(ESC);
    const forced = await piped(["grade", "--judge", "openai:gpt-4.1"], ws.root, { FORCE_COLOR: "1" });
    expect(forced.stdout).toContain(`${ESC}31m✘ needs_revision`);
    // A JSON report is never coloured, even when forced.
    const json = await piped(["grade", "--judge", "openai:gpt-4.1", "--json"], ws.root, { FORCE_COLOR: "1" });
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
  }, 60_000);
});

describe("failure lines", () => {
  it("start with path:line: so editors and terminals can jump to them", async () => {
    const result = await piped(["grade", "--judge", "openai:gpt-4.1"]);
    const lines = result.stdout.split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^docs\/api\/ref\.md:\d+: fail install: /));
    expect(lines).toContainEqual(expect.stringMatching(/^docs\/api\/ref\.md:\d+: warning usage: /));
  }, 60_000);
});

describe("usage errors name the fix", () => {
  it.each([
    [["grdae"], /unknown command "grdae"; did you mean grade\? \(commands: grade, check-rubrics, calibrate/],
    [["grade", "--judeg", "openai:gpt-4.1"], /grade: unknown flag --judeg; did you mean --judge\?/],
    [["grade", "--revise=yes"], /grade: --revise takes no value; give it alone, as --revise/],
    [["grade", "--judge"], /grade: --judge needs a value/],
    [["calibrate", "--sampels", "3"], /calibrate: unknown flag --sampels; did you mean --samples\?/],
    [
      ["grade", "--judge", "openia:gpt-4.1"],
      /--judge "openia:gpt-4\.1": unknown provider "openia"; did you mean openai\? \(known: openai, openai-responses, anthropic, openai-compatible\)/,
    ],
  ])("%j", async (args, message) => {
    const result = await piped(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe("PATHs and where the repository is", () => {
  it("takes a folder and a quoted glob, keeping the files a rubric grades", async () => {
    const folder = await piped(["grade", "--dry-run", "docs/api"]);
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stdout).toContain("docs/api/ref.md");
    expect(folder.stdout).not.toContain("notes.txt");
    expect(folder.stdout).not.toContain("docs/guide.md");
    const glob = await piped(["grade", "--dry-run", "docs/*.md"]);
    expect(glob.stdout).toContain("docs/guide.md");
    expect(glob.stdout).not.toContain("docs/api/ref.md");
    const none = await piped(["grade", "--dry-run", "docs/missing/"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("docs/missing/: error: docs/missing/ does not exist in the workspace");
    expect(none.stderr).toMatch(/fix: pass files, folders or quoted globs that exist/);
    const unmatched = await piped(["grade", "--dry-run", "docs/api/*.txt"]);
    expect(unmatched.stderr).toContain("holds 1 file(s), none of them matched by a rubric");
  });

  it("from a subfolder, finds the repository's rubrics and takes PATHs from there", async () => {
    const sub = join(ws.root, "docs", "api");
    await mkdir(sub, { recursive: true });
    const here = await piped(["grade", "--dry-run", "ref.md"], sub);
    expect(here.code, here.stderr).toBe(0);
    expect(here.stdout).toContain("docs/api/ref.md");
    const all = await piped(["check-rubrics"], sub);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("rubrics/docs.md");
    // Where it looked, when it finds nothing.
    const missing = await piped(["check-rubrics", "--rubrics", "nope/*.md"], sub);
    expect(missing.stderr).toContain(`no rubric file matches "nope/*.md" in ${ws.root}`);
  });
});

describe("--help", () => {
  it("lists every command with its arguments in one column, each as the command's own --help says", async () => {
    const help = (await piped(["--help"])).stdout;
    const rows = help
      .split("\n")
      .map((line) => /^ {2}rubric-gate (.*?) {2,}(\S.*)$/.exec(line))
      .filter((match) => match !== null);
    expect(rows.map((m) => m[1]?.split(" ")[0])).toEqual([
      "grade",
      "check-rubrics",
      "calibrate",
      "lint-rubric",
      "init",
      "render",
      "view",
      "merge-reports",
    ]);
    const column = new Set(rows.map((m) => m.input.length - (m[2] ?? "").length));
    expect(column.size).toBe(1);
    for (const m of rows.slice(2)) {
      const own = (await piped([m[1]?.split(" ")[0] ?? "", "--help"])).stdout.split("\n")[0];
      expect(own).toBe(`rubric-gate ${m[1]}`);
    }
    // The option rows come from the flag table (test/cli/help.test.ts checks them against the parser).
    expect(help).toMatch(/\n {2}--writer PROVIDER:MODEL {2}writer model for --revise/);
  });
});

describe("a long model call", () => {
  it("gets a still-working line on stderr, and none when calls are quick", async () => {
    const answer = scripted({ judge: { install: contains("## Install"), usage: contains("Usage:") } });
    server.setHandler(async (req) => ({ delayMs: 1_500, then: await answer(req) }));
    try {
      const slow = await piped(["grade", "--judge", "openai:gpt-4.1", "docs/guide.md"], ws.root, {
        RUBRIC_GATE_HEARTBEAT_MS: "400",
      });
      expect(slow.code, slow.stderr).toBe(0);
      expect(slow.stderr).toMatch(
        /rubric-gate: still working — 0 of 1 file\(s\) done; the last finished \d+ s ago/,
      );
      expect(slow.stdout).not.toContain("still working");
    } finally {
      server.setHandler(answer);
    }
    const quick = await piped(["grade", "--judge", "openai:gpt-4.1", "docs/guide.md"], ws.root, {
      RUBRIC_GATE_HEARTBEAT_MS: "5000",
    });
    expect(quick.stderr).not.toContain("still working");
  }, 60_000);
});

describe("the dry run warns before a real run would", () => {
  it("when the estimate is over --max-cost or --max-tokens, or the key is missing", async () => {
    const result = await piped(
      ["grade", "--dry-run", "--judge", "openai:gpt-4.1", "--max-cost", "0.0001", "--max-tokens", "50"],
      ws.root,
      { OPENAI_API_KEY: "" },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /warning: the estimate \(~\$[\d.]+ for the first grade alone\) is over --max-cost 0\.0001: .*raise --max-cost/,
    );
    expect(result.stdout).toMatch(
      /warning: the estimate \(~\d+ tokens for the first grade alone\) is over --max-tokens 50/,
    );
    expect(result.stdout).toMatch(/warning: a real run could not use the judge: no OPENAI_API_KEY is set/);
    const fits = await piped(["grade", "--dry-run", "--judge", "openai:gpt-4.1", "--max-cost", "100"]);
    expect(fits.stdout).not.toContain("is over --max-cost");
  });
});
