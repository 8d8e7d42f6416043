import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileVerdictStore } from "../../src/fs/verdict-store.js";
import {
  createMemoryVerdictStore,
  VERDICT_CACHE_VERSION,
  verdictCacheKey,
  withVerdictCache,
  type CachedGrade,
} from "../../src/judge/cache.js";
import type { Grade, Judge } from "../../src/judge/judge.js";
import { parseRubric } from "../../src/rubric/parse.js";
import type { Rubric } from "../../src/rubric/types.js";

function rubric(body = "- Has a title. {#title}\n- Has an example. {#example}\n"): Rubric {
  const parsed = parseRubric("rubrics/r.md", `---\nfiles: ["**/*.md"]\ndescription: A page.\n---\n${body}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.rubric;
}

const graded: Grade = {
  kind: "graded",
  verdicts: {
    title: {
      verdict: "pass",
      evidence: "# T",
      explanation: "ok",
      evidenceVerified: true,
      line: 1,
      location: "line 1",
    },
    example: {
      verdict: "fail",
      evidence: "",
      explanation: "none",
      evidenceVerified: false,
      line: null,
      location: null,
    },
  },
  applicable: true,
  summary: "s",
  calls: [
    {
      role: "judge",
      model: "openai:m",
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
      latencyMs: 3,
      attempts: 1,
      invalidAnswer: null,
    },
  ],
};

/** A judge that answers `grades` in turn and counts its calls. */
function countingJudge(...grades: Grade[]): Judge & { calls: number } {
  const judge = {
    calls: 0,
    grade: () => Promise.resolve(grades[Math.min(judge.calls++, grades.length - 1)] as Grade),
  };
  return judge;
}

const base = { judge: "openai:m", rubricHash: "h", path: "docs/a.md", content: "# T\n" };

describe("verdictCacheKey", () => {
  it("changes with the content, the rubric, the judge and the path, and only with them", () => {
    const key = verdictCacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(verdictCacheKey({ ...base })).toBe(key);
    for (const change of [
      { content: "# T\n\n" },
      { rubricHash: "h2" },
      { judge: "openai:m2" },
      { path: "docs/b.md" },
    ]) {
      expect(verdictCacheKey({ ...base, ...change })).not.toBe(key);
    }
  });
});

describe("withVerdictCache", () => {
  it("answers a repeated grade from the store, marked cached and with no call", async () => {
    const store = createMemoryVerdictStore();
    const inner = countingJudge(graded);
    const judge = withVerdictCache(inner, { store, judge: "openai:m" });
    const r = rubric();
    const first = await judge.grade(r, { path: "docs/a.md", content: "# T\n" });
    const second = await judge.grade(r, { path: "docs/a.md", content: "# T\n" });
    expect(inner.calls).toBe(1);
    expect(first).toBe(graded);
    expect(second).toMatchObject({ kind: "graded", cached: true, calls: [], summary: "s" });
    expect(second.kind === "graded" && second.verdicts).toEqual(graded.verdicts);
    await judge.grade(r, { path: "docs/a.md", content: "# T2\n" });
    expect(inner.calls).toBe(2);
  });

  it("stores no error, and a store that fails only costs the cache", async () => {
    const store = createMemoryVerdictStore();
    const inner = countingJudge({ kind: "error", error: "boom", calls: [] }, graded);
    const judge = withVerdictCache(inner, { store, judge: "openai:m" });
    const r = rubric();
    expect((await judge.grade(r, { path: "a", content: "x" })).kind).toBe("error");
    expect(store.entries.size).toBe(0);
    expect((await judge.grade(r, { path: "a", content: "x" })).kind).toBe("graded");
    expect(store.entries.size).toBe(1);

    const errors: unknown[] = [];
    const broken = withVerdictCache(countingJudge(graded), {
      store: { get: () => Promise.reject(new Error("read")), set: () => Promise.reject(new Error("write")) },
      judge: "openai:m",
      onStoreError: (e) => errors.push(e),
    });
    expect((await broken.grade(r, { path: "a", content: "x" })).kind).toBe("graded");
    expect(errors.map((e) => (e as Error).message)).toEqual(["read", "write"]);
  });

  it("ignores an entry whose criteria no longer match the rubric, or that sits under another key", async () => {
    const store = createMemoryVerdictStore();
    const r = rubric();
    const key = verdictCacheKey({ judge: "openai:m", rubricHash: r.hash, path: "a", content: "x" });
    const entry = (over: Partial<CachedGrade>): CachedGrade => ({
      version: VERDICT_CACHE_VERSION,
      key,
      judge: "openai:m",
      rubric: r.path,
      path: "a",
      created_at: "2026-01-01T00:00:00Z",
      verdicts: graded.kind === "graded" ? graded.verdicts : {},
      applicable: true,
      summary: "s",
      ...over,
    });
    const inner = countingJudge(graded);
    const judge = withVerdictCache(inner, { store, judge: "openai:m" });
    store.entries.set(key, entry({ verdicts: {} }));
    await judge.grade(r, { path: "a", content: "x" });
    store.entries.set(key, entry({ key: "0".repeat(64) }));
    await judge.grade(r, { path: "a", content: "x" });
    expect(inner.calls).toBe(2);
    store.entries.set(key, entry({}));
    await judge.grade(r, { path: "a", content: "x" });
    expect(inner.calls).toBe(2);
  });
});

describe("createFileVerdictStore", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps one JSON file per key, written whole, and reads a corrupt or missing one as absent", async () => {
    dir = await mkdtemp(join(tmpdir(), "verdict-store-"));
    const store = await createFileVerdictStore(join(dir, "nested", "cache"));
    const key = "a".repeat(64);
    expect(await store.get(key)).toBeUndefined();
    const value = { version: 1 } as unknown as CachedGrade;
    await Promise.all(Array.from({ length: 10 }, () => store.set(key, value)));
    expect(await readdir(join(dir, "nested", "cache"))).toEqual([`${key}.json`]);
    expect(await store.get(key)).toEqual(value);
    expect(JSON.parse(await readFile(join(dir, "nested", "cache", `${key}.json`), "utf8"))).toEqual(value);
    await writeFile(join(dir, "nested", "cache", `${key}.json`), "{ torn");
    expect(await store.get(key)).toBeUndefined();
    await expect(store.get("../../etc/passwd")).rejects.toThrow(/not a verdict cache key/);
  });
});
