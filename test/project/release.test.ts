// The release workflow's checks, run on this repository: the tags computed from package.json's
// version, action.yml valid as an Action, one version everywhere; and the workflows themselves.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { actionYmlProblems, releaseProblems, releaseTags } from "../../scripts/release-check.js";

const run = promisify(execFile);
const root = process.cwd();

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Array<{ run?: string; uses?: string; env?: Record<string, string> }> }>;
}
const workflow = (name: string) => parse(readFileSync(`.github/workflows/${name}`, "utf8")) as Workflow;

describe("release checks", () => {
  it("compute the tags from the version: vX.Y.Z and the moving vX", () => {
    expect(releaseTags("0.1.0")).toEqual({ version: "v0.1.0", major: "v0" });
    expect(releaseTags("12.3.4")).toEqual({ version: "v12.3.4", major: "v12" });
    expect(() => releaseTags("1.2.3-beta.1")).toThrow(/is not X\.Y\.Z/);
  });

  it("pass on this repository, and print the tags for GITHUB_OUTPUT", async () => {
    expect(releaseProblems(root)).toEqual([]);
    const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/release-check.ts"], {
      cwd: root,
    });
    expect(stdout).toBe(`version-tag=v${version}\nmajor-tag=v${version.split(".")[0]}\n`);
  }, 60_000);

  it("name what keeps action.yml from running", () => {
    const good = readFileSync("action.yml", "utf8");
    expect(actionYmlProblems(good, root)).toEqual([]);
    const bad = good
      .replace("using: node24", "using: node20")
      .replace("main: dist/index.js", "main: dist/missing.js")
      .replace(
        '    description: "Files graded at once."\n    required: false\n    default: "4"',
        "    required: false\n    default: 4",
      );
    expect(bad).not.toBe(good);
    expect(actionYmlProblems(bad, root)).toEqual([
      'action.yml: runs.using is "node20"; expected node24',
      'action.yml: runs.main "dist/missing.js" is not a committed file (run npm run build)',
      "action.yml: input concurrency has no description",
      "action.yml: input concurrency's default is not a string (quote it)",
    ]);
    expect(actionYmlProblems("name: [", root)[0]).toMatch(/^action\.yml is not YAML/);
  });
});

describe("the workflows", () => {
  it("release runs the whole CI and the release checks before it tags, with contents: write only", () => {
    const release = workflow("release.yml");
    expect(release.permissions).toEqual({ contents: "write" });
    const steps = release.jobs["release"]?.steps ?? [];
    const runs = steps.map((s) => s.run ?? "");
    const ci = runs.findIndex((r) => r.includes("bash .ci/run"));
    const checks = runs.findIndex((r) => r.includes("scripts/release-check.ts"));
    const tag = runs.findIndex((r) => r.includes("git tag"));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(checks).toBeGreaterThan(ci);
    expect(tag).toBeGreaterThan(checks);
    expect(runs[tag]).toContain('git push --force origin "refs/tags/$MAJOR_TAG"');
    // Expressions reach scripts through env, never spliced into the script text.
    for (const r of runs) expect(r).not.toContain("${{");
  });

  it("ci runs .ci/run on pull requests with read-only contents", () => {
    const ci = workflow("ci.yml");
    expect(Object.keys(ci.on)).toContain("pull_request");
    expect(ci.permissions).toEqual({ contents: "read" });
    expect((ci.jobs["ci"]?.steps ?? []).some((s) => s.run?.includes("bash .ci/run"))).toBe(true);
  });
});
