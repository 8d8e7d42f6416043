// The bounds of reference context and grader tools, on a real workspace directory.
import { describe, expect, it } from "vitest";
import { CONTEXT_MAX_CHARS, loadContext } from "../../src/engine/context.js";
import { createWorkspaceSource } from "../../src/fs/workspace.js";
import { graderTools, TOOL_LIMITS } from "../../src/judge/tools.js";
import { ToolLimitError } from "../../src/ports/models.js";
import { parseRubric } from "../../src/rubric/parse.js";
import { makeWorkspace } from "../support/workspace.js";

const rubricWith = (context: string) => {
  const parsed = parseRubric(
    "rubrics/r.md",
    `---\nfiles: ["docs/*.md"]\ndescription: A page.\ncontext: ${context}\n---\n\n- Says it. {#says}\n`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.rubric;
};

describe("reference context", () => {
  it("is cut at the cap, in path order, and says what was cut and left out", async () => {
    const half = "x".repeat(CONTEXT_MAX_CHARS / 2 + 10);
    const ws = await makeWorkspace({
      "ref/a.md": half,
      "ref/b.md": half,
      "ref/c.md": "never read",
      "ref/.env": "SECRET=1",
      "ref/logo.bin": new Uint8Array([0, 1, 2, 0]),
    });
    try {
      const { files, notes } = await loadContext(createWorkspaceSource(ws.root), rubricWith('["ref/**"]'));
      expect(files.map((f) => f.path)).toEqual(["ref/a.md", "ref/b.md"]);
      expect(files[1]!.content).toMatch(
        /\n\[cut here: the reference files are capped at 100000 characters\]$/,
      );
      expect(files.reduce((n, f) => n + f.content.length, 0)).toBeLessThan(CONTEXT_MAX_CHARS + 100);
      expect(notes).toEqual([
        "ref/.env is left out: git's own files and secret-shaped files (.env, keys, credentials) are never shown to a model",
        `ref/b.md is cut at ${CONTEXT_MAX_CHARS / 2 - 10} of its ${half.length} characters: the context cap of ${CONTEXT_MAX_CHARS} was reached`,
        `the context cap of ${CONTEXT_MAX_CHARS} characters was reached: 2 file(s) left out from ref/c.md on`,
      ]);
      const none = await loadContext(createWorkspaceSource(ws.root), rubricWith('["nowhere/*.md"]'));
      expect(none.notes).toEqual(["its context globs match no file (nowhere/*.md)"]);
    } finally {
      await ws.cleanup();
    }
  });
});

describe("grader tools", () => {
  it("stop at the character bound with ToolLimitError, after recording the call", async () => {
    const big = "y".repeat(29_000);
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`data/${i}.txt`] = big;
    const ws = await makeWorkspace(files);
    try {
      const tools = graderTools(createWorkspaceSource(ws.root), "0".repeat(24));
      const read = (i: number) => tools.run({ name: "read_file", arguments: { path: `data/${i}.txt` } });
      for (let i = 0; i < 6; i++) await read(i);
      const past = await read(6).then(
        () => null,
        (error: unknown) => error,
      );
      expect(past).toBeInstanceOf(ToolLimitError);
      expect((past as Error).message).toContain(`passed ${TOOL_LIMITS.bytes} characters`);
      expect(tools.calls).toHaveLength(7);
    } finally {
      await ws.cleanup();
    }
  });

  it("refuse what is not a tool or not an object, and say why to the model", async () => {
    const ws = await makeWorkspace({ "a.md": "a" });
    try {
      const tools = graderTools(createWorkspaceSource(ws.root), "1".repeat(24));
      expect(await tools.run({ name: "delete_file", arguments: {} })).toContain(
        'refused: there is no tool "delete_file"',
      );
      expect(await tools.run({ name: "read_file", arguments: "a.md" })).toContain(
        "refused: the arguments must be a JSON object",
      );
      expect(await tools.run({ name: "list_files", arguments: { glob: "../**" } })).toContain(
        "leaves the repository",
      );
    } finally {
      await ws.cleanup();
    }
  });
});
