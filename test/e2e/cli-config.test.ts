// Configuration errors stop the run before any model call; the dry run never calls a model.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cli, makeWorkspace } from "../support/workspace.js";
import { useModelServer } from "../support/servers.js";

const DOC = "# Guide\n\n## Install\n";
const GOOD_BODY = "\n## Content\n\n- Has an Install section. {#install}\n";

const server = useModelServer();

const BAD_RUBRICS: Array<{ name: string; rubric: string; where: string; says: RegExp }> = [
  {
    name: "no criteria",
    rubric: "---\nfiles:\n  - docs/*.md\ndescription: A guide.\n---\n\nJust prose, no list.\n",
    where: "rubrics/guide.md:1",
    says: /no criteria/i,
  },
  {
    name: "bad YAML",
    rubric: "---\nfiles:\n  - docs/*.md\ndescription: [unclosed\n---\n" + GOOD_BODY,
    where: "rubrics/guide.md:",
    says: /yaml/i,
  },
  {
    name: "an unknown key",
    rubric: "---\nfiles:\n  - docs/*.md\ndescription: A guide.\nmax_iteration: 2\n---\n" + GOOD_BODY,
    where: "rubrics/guide.md:5",
    says: /max_iteration/,
  },
  {
    name: "a duplicate id",
    rubric:
      "---\nfiles:\n  - docs/*.md\ndescription: A guide.\n---\n\n- Has an Install section. {#install}\n- Has a Usage section. {#install}\n",
    where: "rubrics/guide.md:8",
    says: /duplicate/i,
  },
  {
    name: "a glob that matches nothing",
    rubric: "---\nfiles:\n  - docs/*.md\n  - guides/**/*.md\ndescription: A guide.\n---\n" + GOOD_BODY,
    where: "rubrics/guide.md:4",
    says: /guides\/\*\*\/\*\.md/,
  },
];

describe.each(BAD_RUBRICS)("a rubric with $name", ({ rubric, where, says }) => {
  it("exits 2 with file:line and a fix; nothing graded, nothing written", async () => {
    const ws = await makeWorkspace({ "rubrics/guide.md": rubric, "docs/guide.md": DOC });
    const env = { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL };
    const run = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--revise", "--report", "r.json"],
      ws.root,
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain(where);
    expect(run.stdout + run.stderr).toMatch(says);
    expect(run.stdout + run.stderr).toContain("fix: ");
    expect(server.requests).toHaveLength(0);
    expect(await ws.read("docs/guide.md")).toBe(DOC);
    const report = JSON.parse(await ws.read("r.json")) as { files: unknown[]; gate: { passed: boolean } };
    expect(report.files).toHaveLength(0);
    expect(report.gate.passed).toBe(false);

    const check = await cli(["check-rubrics"], ws.root, {});
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(where);
    await ws.cleanup();
  });
});

describe("usage errors", () => {
  it("a bad --judge names the flag, the value and the form", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": "---\nfiles: [docs/*.md]\ndescription: d\n---\n" + GOOD_BODY,
      "docs/guide.md": DOC,
    });
    const run = await cli(["grade", "--judge", "gpt-4.1"], ws.root, {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--judge "gpt-4.1"');
    expect(run.stderr).toContain("provider:model");
    const unknown = await cli(["grade", "--jduge", "openai:x"], ws.root, {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--jduge");
    await ws.cleanup();
  });

  it("no key for the judge is exit 3 with what to set, and no request", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": "---\nfiles: [docs/*.md]\ndescription: d\n---\n" + GOOD_BODY,
      "docs/guide.md": DOC,
    });
    const run = await cli(["grade", "--judge", "anthropic:claude-sonnet-4-6"], ws.root, {});
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("ANTHROPIC_API_KEY");
    await ws.cleanup();
  });

  it("no judge at all is exit 3 and points at --judge and --dry-run", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": "---\nfiles: [docs/*.md]\ndescription: d\n---\n" + GOOD_BODY,
      "docs/guide.md": DOC,
    });
    const run = await cli(["grade"], ws.root, {});
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("--judge");
    expect(run.stderr).toContain("--dry-run");
    await ws.cleanup();
  });
});

describe("--dry-run on this repository", () => {
  const repo = fileURLToPath(new URL("../..", import.meta.url));

  it("lists files, rubrics, prompt sizes and an estimate, with no model call", async () => {
    // A judge and an endpoint are configured, so a request would reach the server if one were made.
    const env = { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL };
    const run = await cli(["grade", "--dry-run", "--judge", "openai:gpt-4.1"], repo, env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/README\.md\s+rubrics\/readme\.md\s+\d+\s+\d+\s+\d+\s+\d+\s+openai:gpt-4\.1/);
    expect(run.stdout).toMatch(/docs\/writing-rubrics\.md\s+rubrics\/docs\.md/);
    expect(run.stdout).toMatch(
      /Iteration 0 \(one judge call per file\): ~\d+ input \+ ~\d+ output tokens, ~\$\d+\.\d{4}/,
    );
    expect(server.requests).toHaveLength(0);

    const json = await cli(["grade", "--dry-run", "--json", "--judge", "openai:gpt-4.1"], repo, env);
    const plan = JSON.parse(json.stdout) as {
      entries: Array<{ path: string; promptChars: number; inputTokens: number }>;
    };
    const readme = plan.entries.find((e) => e.path === "README.md");
    const readmeChars = (await readFile(new URL("../../README.md", import.meta.url), "utf8")).length;
    expect(readme?.promptChars).toBeGreaterThan(readmeChars);
    expect(readme?.inputTokens).toBe(Math.ceil((readme?.promptChars ?? 0) / 4));
    expect(server.requests).toHaveLength(0);
  });

  it("check-rubrics lists this repository's criteria and ids", async () => {
    const run = await cli(["check-rubrics"], repo, {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("rubrics/readme.md");
    expect(run.stdout).toContain("install-and-test-command");
    expect(run.stdout).toContain("[advisory] links-changelog");
  });
});

describe("--prices", () => {
  it("prices an unknown model from the override file, and a bad file is a usage error", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": "---\nfiles: [docs/*.md]\ndescription: d\n---\n" + GOOD_BODY,
      "docs/guide.md": DOC,
      "prices.json": JSON.stringify({ "house-model": { input: 3, output: 15 } }),
      "bad-prices.json": JSON.stringify({ "house-model": { input: "three" } }),
    });
    const unknown = await cli(
      ["grade", "--dry-run", "--json", "--judge", "openai-compatible:house-model-7b"],
      ws.root,
      {},
    );
    expect((JSON.parse(unknown.stdout) as { costUsd: number | null }).costUsd).toBeNull();
    const run = await cli(
      [
        "grade",
        "--dry-run",
        "--json",
        "--judge",
        "openai-compatible:house-model-7b",
        "--prices",
        "prices.json",
      ],
      ws.root,
      {},
    );
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { inputTokens: number; outputTokens: number; costUsd: number };
    expect(plan.costUsd).toBeCloseTo((plan.inputTokens * 3 + plan.outputTokens * 15) / 1e6, 12);
    const bad = await cli(["grade", "--dry-run", "--prices", "bad-prices.json"], ws.root, {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--prices bad-prices.json: house-model.input");
    await ws.cleanup();
  });
});
