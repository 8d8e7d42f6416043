// `rubric-gate grade --revise` writes the best revision back: atomically, keeping the file's mode,
// printing the diff — and never over an edit someone made to the file while it was being graded.
import { writeFileSync } from "node:fs";
import { chmod, lstat, readdir, readlink, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "../support/model-server.js";
import { contains, scripted } from "../support/scripted.js";
import { cli, makeWorkspace } from "../support/workspace.js";

const RUBRIC = `---
files:
  - docs/*.md
description: A user guide page.
---

- Has an Install section. {#install}
- Has no TODO left. {#no-todo}
`;
const DOC = "# Widget\n\nTODO: install\n";
const FIXED = "# Widget\n\n## Install\n\nnpm i widget\n";

const rules = { install: contains("## Install"), "no-todo": (a: string) => !a.includes("TODO") };
const writer = (artifact: string) =>
  artifact.includes("TODO: install")
    ? [{ find: "TODO: install\n", replace: "## Install\n\nnpm i widget\n" }]
    : [];

let server: ModelServer | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function workspace(files: Record<string, string>) {
  const ws = await makeWorkspace({ "rubrics/guide.md": RUBRIC, ...files });
  cleanups.push(() => ws.cleanup());
  return ws;
}

const env = () => ({ OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server!.openaiBaseURL });

describe("grade --revise", () => {
  it("writes the revision back in place, keeps the file's mode, leaves no temporary file and prints the diff", async () => {
    const ws = await workspace({ "docs/guide.md": DOC });
    await chmod(join(ws.root, "docs/guide.md"), 0o755);
    server = await startModelServer(scripted({ judge: rules, writer }));
    const run = await cli(["grade", "--judge", "openai:gpt-4.1", "--revise"], ws.root, env());
    expect(run.code, run.stderr).toBe(0);
    expect(await ws.read("docs/guide.md")).toBe(FIXED);
    expect((await stat(join(ws.root, "docs/guide.md"))).mode & 0o777).toBe(0o755);
    expect(await readdir(join(ws.root, "docs"))).toEqual(["guide.md"]);
    expect(run.stderr).toContain("Revised docs/guide.md:");
    expect(run.stderr).toContain("-TODO: install\n+## Install");
  });

  it("does not overwrite a file that someone edited while it was graded, and says so", async () => {
    const ws = await workspace({ "docs/guide.md": DOC });
    const edited = "# Widget\n\nTODO: install (a human is editing this right now)\n";
    server = await startModelServer(
      scripted({
        judge: rules,
        writer: (artifact) => {
          // The person saves their edit while the writer works.
          writeFileSync(join(ws.root, "docs/guide.md"), edited);
          return writer(artifact);
        },
      }),
    );
    const run = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--revise", "--report", "report.json"],
      ws.root,
      env(),
    );
    expect(await ws.read("docs/guide.md")).toBe(edited);
    expect(run.stderr).toContain("docs/guide.md changed while it was graded");
    const report = JSON.parse(await ws.read("report.json")) as {
      files: Array<{ written: boolean; changed: boolean }>;
    };
    expect(report.files[0]).toMatchObject({ changed: true, written: false });
  });

  it("does not replace a symbolic link with a file", async () => {
    const ws = await workspace({ "docs/target.txt": DOC });
    await symlink("target.txt", join(ws.root, "docs/guide.md"));
    server = await startModelServer(scripted({ judge: rules, writer }));
    const run = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--revise", "docs/guide.md"],
      ws.root,
      env(),
    );
    expect((await lstat(join(ws.root, "docs/guide.md"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(ws.root, "docs/guide.md"))).toBe("target.txt");
    expect(await ws.read("docs/target.txt")).toBe(DOC);
    expect(run.stderr).toContain("symbolic link");
  });
});
