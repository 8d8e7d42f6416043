import { readFileSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, describe, expect, it } from "vitest";
import { appendJournal, checkJournal } from "../../src/fs/journal.js";
import { journalLines, type JournalLine } from "../../src/report/journal.js";
import { file, report } from "../support/report-builder.js";

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(new URL("../../schema/journal.schema.json", import.meta.url), "utf8")) as object,
);

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "journal-"));
  dirs.push(dir);
  return join(dir, "journal.jsonl");
}

const sample = report(
  [
    file({
      path: "docs/a.md",
      iterations: [
        { verdicts: { scope: "fail", limits: "pass" } },
        { status: "writer_error", error: "the writer's edits did not apply" },
        { verdicts: { scope: "pass", limits: "pass" } },
      ],
    }),
    file({ path: "docs/b.md", verdicts: { scope: "pass", limits: { verdict: "fail", unverified: true } } }),
  ],
  { rubrics: { "rubrics/docs.md": { sha256: "d".repeat(64), criteria: [] } } },
);

describe("journal lines", () => {
  it("are one per file, iteration and criterion, one for an ungraded iteration, each valid against the published schema", () => {
    const lines = [...journalLines(sample)];
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    expect(lines.map((l) => `${l.path}#${l.iteration}:${l.criterion ?? "-"}`)).toEqual([
      "docs/a.md#0:scope",
      "docs/a.md#0:limits",
      "docs/a.md#1:-",
      "docs/a.md#2:scope",
      "docs/a.md#2:limits",
      "docs/b.md#0:scope",
      "docs/b.md#0:limits",
    ]);
    const writerError = lines[2]!;
    expect(writerError).toMatchObject({
      status: "writer_error",
      verdict: null,
      error: "the writer's edits did not apply",
    });
    expect(lines[3]).toMatchObject({ best: true, rubric_sha256: "d".repeat(64), verdict: "pass" });
    expect(lines.at(-1)).toMatchObject({ unverified: true, verdict: "fail" });
  });

  it("the schema rejects a line that breaks the contract", () => {
    const line = [...journalLines(sample)][0]! as Partial<JournalLine>;
    expect(validate({ ...line, verdict: "maybe" })).toBe(false);
    const { criterion: _dropped, ...missing } = line;
    expect(validate(missing)).toBe(false);
  });
});

describe("appendJournal", () => {
  it("appends run after run, and starts on a new line after a line cut off by a killed run", async () => {
    const path = await tempFile();
    expect(await appendJournal(path, journalLines(sample))).toBe(7);
    await writeFile(path, (await readFile(path, "utf8")) + '{"journal_version":1,"path":"cut');
    expect(await appendJournal(path, journalLines(sample))).toBe(7);
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(15);
    expect(lines[7]).toBe('{"journal_version":1,"path":"cut');
    expect(
      lines.filter((l) => l.startsWith("{") && l.endsWith("}")).map((l) => JSON.parse(l) as JournalLine),
    ).toHaveLength(14);
  });

  it("a line another run is still writing is not taken for a cut one: no blank line, no broken line", async () => {
    const path = await tempFile();
    // Another run's write under way: the file ends inside its line, and the rest follows 20 ms later.
    await writeFile(path, '{"journal_version":1,"path":"other"');
    const finish = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await appendFile(path, "}\n");
    })();
    expect(await appendJournal(path, journalLines(sample))).toBe(7);
    await finish;
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    expect(lines[0]).toBe('{"journal_version":1,"path":"other"}');
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it("keeps every line whole when several runs append at once", async () => {
    const path = await tempFile();
    // Big enough that each run writes in several chunks.
    const big = report(
      Array.from({ length: 60 }, (_, i) =>
        file({
          path: `docs/${i}.md`,
          verdicts: Object.fromEntries(
            Array.from({ length: 20 }, (_, c) => [
              `c${c}`,
              { verdict: "fail" as const, explanation: "x".repeat(400) },
            ]),
          ),
        }),
      ),
    );
    const counts = await Promise.all(Array.from({ length: 6 }, () => appendJournal(path, journalLines(big))));
    expect(counts).toEqual(Array(6).fill(1200));
    const text = await readFile(path, "utf8");
    expect(text.length).toBeGreaterThan(512 * 1024 * 2);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(7200);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it("checkJournal refuses a directory with the fix", async () => {
    const path = await tempFile();
    await expect(checkJournal(join(path, ".."))).rejects.toThrow(/directory; give a file/);
  });
});
