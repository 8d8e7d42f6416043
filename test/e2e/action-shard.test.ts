// The committed bundle in a sharded workflow (SPEC §12): matrix jobs with `shard` grade their part and
// only write reports; the final job with `merge-reports` posts one check run, summary and rolling issue
// from them, as the unsharded run would. A missing shard fails the check; nothing passes with files
// left out. The GitHub stand-in checks every request against the OpenAPI description.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { useActionWorld } from "../support/action-world.js";
import { contains, scripted } from "../support/scripted.js";

const RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- Has an Install section. {#install}
`;

const open = useActionWorld();

describe("a sharded scheduled run", () => {
  it("shard jobs post nothing; the final job posts one check and one rolling issue from the merged reports", async () => {
    const files: Record<string, string> = { "rubrics/guide.md": RUBRIC };
    for (let i = 0; i < 9; i++)
      files[`docs/page-${i}.md`] =
        `# Page ${i}\n\n${i === 4 ? "" : "## Install\n"}${"text\n".repeat(i * 40)}`;
    const world = await open(files, scripted({ judge: { install: contains("## Install") } }));
    const { github, models, root } = world;
    const run = (inputs: Record<string, string>) =>
      world.schedule({
        judge: "openai:gpt-4.1",
        "openai-api-key": "sk-test-not-a-real-key-000",
        "openai-base-url": models.openaiBaseURL,
        ...inputs,
      });

    const graded: string[] = [];
    for (const index of [1, 2, 3]) {
      const shard = await run({ shard: `${index}/3` });
      expect(shard.code, shard.stderr + shard.stdout).toBe(0);
      const report = JSON.parse(shard.outputs["report"] ?? "null") as Report;
      expect(report.shard).toMatchObject({ index, count: 3, files: 9 });
      graded.push(...report.files.map((f) => f.path));
      await mkdir(join(root, `reports/shard-${index}`), { recursive: true });
      await writeFile(join(root, `reports/shard-${index}/report.json`), shard.outputs["report"] ?? "");
      expect(shard.summary).toContain(`shard ${index}/3`);
    }
    expect(graded.sort()).toEqual(
      Object.keys(files)
        .filter((f) => f.startsWith("docs/"))
        .sort(),
    );
    // The shard jobs posted no check run, comment or issue.
    expect(github.state.checkRuns).toHaveLength(0);
    expect(github.state.issues).toHaveLength(0);

    // The final job needs no judge and calls no model.
    const modelCalls = models.requests.length;
    const final = await run({ "merge-reports": "reports/*/report.json", judge: "", "openai-api-key": "" });
    expect(final.code).toBe(1);
    expect(models.requests.length).toBe(modelCalls);
    expect(github.state.checkRuns).toHaveLength(1);
    expect(github.state.checkRuns[0]?.conclusion).toBe("failure");
    expect(github.state.checkRuns[0]?.output?.summary).toContain("docs/page-4.md");
    const merged = JSON.parse(final.outputs["report"] ?? "null") as Report;
    expect(merged.merged_shards).toBe(3);
    expect(merged.files).toHaveLength(9);
    expect(final.outputs["files-graded"]).toBe("9");
    const issues = github.state.issues.filter((i) => !i.is_pull_request);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.body).toContain("docs/page-4.md");

    // A shard whose report never arrived: the check fails and says which.
    await rm(join(root, "reports/shard-2"), { recursive: true });
    const partial = await run({ "merge-reports": "reports/*/report.json" });
    expect(partial.code).toBe(1);
    const last = github.state.checkRuns.at(-1);
    expect(last?.conclusion).toBe("failure");
    expect(`${last?.output?.title} ${last?.output?.summary}`).toContain("shard 2/3 is missing");
    expect(github.violations).toEqual([]);
  }, 120_000);

  it("refuses shard with revise other than off, naming the input", async () => {
    const world = await open({ "rubrics/guide.md": RUBRIC, "docs/a.md": "# A\n" }, scripted({ judge: {} }));
    const run = await world.schedule({ judge: "openai:gpt-4.1", shard: "1/2", revise: "commit" });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain(
      'input "shard" = "1/2": a sharded run grades and reports only; set revise: off',
    );
  });
});
