// The package as users get it: `npm pack`, the tarball installed globally into an empty prefix, and
// the `rubric-gate` command run from a repository elsewhere on the disk — not from this clone.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { makeWorkspace } from "../support/workspace.js";

const run = promisify(execFile);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

let scratch: string;
let bin: string;
let prefix: string;
let files: string[];
let ws: Awaited<ReturnType<typeof makeWorkspace>>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "rubric-gate-pack-"));
  const packed = await run(npm, ["pack", "--json", "--pack-destination", scratch], { cwd: process.cwd() });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!info) throw new Error("npm pack made no tarball");
  files = info.files.map((f) => f.path).sort();
  prefix = join(scratch, "prefix");
  // The bundle holds its dependencies: the install fetches nothing (and works offline).
  await run(
    npm,
    [
      "install",
      "--global",
      "--prefix",
      prefix,
      "--offline",
      "--no-audit",
      "--no-fund",
      join(scratch, info.filename),
    ],
    { cwd: scratch },
  );
  bin = join(prefix, "bin", "rubric-gate");
  ws = await makeWorkspace({
    "rubrics/docs.md":
      "---\nfiles:\n  - docs/**/*.md\ndescription: A page of the docs.\n---\n\n- Has an Install section. {#install}\n",
    "docs/guide.md": "# Guide\n\n## Install\n\nnpm i tool\n",
  });
}, 300_000);

afterAll(async () => {
  await ws.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("holds what runs and nothing else", () => {
    expect(files).toContain("dist/cli/index.js");
    expect(files).toContain("dist/cli/licenses.txt");
    expect(files).toContain("LICENSE");
    expect(files).toContain("README.md");
    expect(files).toContain("schema/report.schema.json");
    expect(files.filter((f) => /^(src|test|bench|scripts|\.ci|\.github)\//.test(f))).toEqual([]);
    // The Action's bundle runs from the repository, not from npm.
    expect(files).not.toContain("dist/index.js");
  });

  it("installs no other package: everything it runs is in its bundle", () => {
    expect(existsSync(join(prefix, "lib", "node_modules", "rubric-gate", "dist", "cli", "index.js"))).toBe(
      true,
    );
    expect(existsSync(join(prefix, "lib", "node_modules", "rubric-gate", "node_modules"))).toBe(false);
    expect(readdirSync(join(prefix, "lib", "node_modules"))).toEqual(["rubric-gate"]);
  });

  it("runs as `rubric-gate` from any directory: --version, check-rubrics, grade --dry-run", async () => {
    const env = { ...process.env, OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", NO_COLOR: "1" };
    const version = await run(bin, ["--version"], { cwd: ws.root, env });
    expect(version.stdout.trim()).toBe(VERSION);
    const check = await run(bin, ["check-rubrics"], { cwd: ws.root, env });
    expect(check.stdout).toMatch(/rubrics\/docs\.md/);
    const dry = await run(bin, ["grade", "--dry-run", "--judge", "openai:gpt-4.1"], { cwd: ws.root, env });
    expect(dry.stdout + dry.stderr).toMatch(/docs\/guide\.md/);
  }, 60_000);
});
