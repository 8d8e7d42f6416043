import { describe, expect, it } from "vitest";
import { parseShard, partition, partitionDigest } from "../../src/engine/shard.js";
import { MergeError, mergeReports } from "../../src/report/merge.js";
import type { Report } from "../../src/report/schema.js";
import { file, report } from "../support/report-builder.js";

const files = Array.from({ length: 500 }, (_, i) => ({
  path: `docs/${String(i).padStart(3, "0")}.md`,
  // Sizes spread from a few bytes to ~200 KB, as in a real docs tree.
  size: Math.round(50 + ((i * 7919) % 997) ** 2 / 5),
}));

describe("partition", () => {
  it("puts every file in exactly one shard, the same way every time and in any input order", () => {
    const a = partition(files, 4);
    const b = partition([...files].reverse(), 4);
    expect(a.size).toBe(files.length);
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    expect(new Set(a.values())).toEqual(new Set([0, 1, 2, 3]));
  });

  it("balances bytes: the largest shard is within 1% of the smallest (plus one file)", () => {
    const shards = partition(files, 4);
    const loads = [0, 0, 0, 0];
    for (const f of files) loads[shards.get(f.path) ?? -1]! += f.size;
    const biggest = Math.max(...files.map((f) => f.size));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(biggest);
    expect(Math.max(...loads) / Math.min(...loads)).toBeLessThan(1.01);
  });

  it("spreads files of equal size by count", () => {
    const same = Array.from({ length: 10 }, (_, i) => ({ path: `f${i}`, size: 0 }));
    const counts = [0, 0, 0];
    for (const s of partition(same, 3).values()) counts[s]!++;
    expect(counts.sort()).toEqual([3, 3, 4]);
  });

  it("the digest changes with the files, their sizes and the shard count", () => {
    const base = partitionDigest(files, 4);
    expect(partitionDigest([...files].reverse(), 4)).toBe(base);
    expect(partitionDigest(files, 3)).not.toBe(base);
    expect(partitionDigest(files.slice(1), 4)).not.toBe(base);
    expect(partitionDigest([{ ...files[0]!, size: 1 }, ...files.slice(1)], 4)).not.toBe(base);
  });

  it("parseShard takes I/N with 1 <= I <= N <= 256 only", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/4", "5/4", "1/0", "1/257", "a/b", "1/", "-1/4", "1.5/4"])
      expect(parseShard(bad)).toBeNull();
  });
});

describe("mergeReports", () => {
  const shard = (index: number, count: number, paths: string[], partition = "p1"): Report =>
    report(
      paths.map((path) => file({ path, verdicts: { a: path.includes("bad") ? "fail" : "pass" } })),
      { shard: { index, count, partition, files: 4 } },
    );

  it("joins shards into path order, sums the totals, takes the slowest wall time and decides the gate again", () => {
    const merged = mergeReports([
      { name: "s2.json", report: shard(2, 2, ["docs/b.md", "docs/bad.md"]) },
      { name: "s1.json", report: shard(1, 2, ["docs/a.md", "docs/c.md"]) },
    ]);
    expect(merged.files.map((f) => f.path)).toEqual(["docs/a.md", "docs/b.md", "docs/bad.md", "docs/c.md"]);
    expect(merged.totals.files).toBe(4);
    expect(merged.totals.input_tokens).toBe(4 * 1200);
    expect(merged.totals.wall_ms).toBe(65_000);
    expect(merged.gate.status).toBe("failed");
    expect(merged.merged_shards).toBe(2);
    expect(merged.shard).toBeUndefined();
  });

  it("refuses a missing shard, naming it", () => {
    expect(() =>
      mergeReports([
        { name: "s1.json", report: shard(1, 3, ["a"]) },
        { name: "s3.json", report: shard(3, 3, ["c"]) },
      ]),
    ).toThrow(/^shard 2\/3 is missing: its files were not graded/);
  });

  it("refuses a shard given twice, shards of another partition and a report that is not a shard's", () => {
    expect(() =>
      mergeReports([
        { name: "s1.json", report: shard(1, 2, ["a"]) },
        { name: "copy.json", report: shard(1, 2, ["a"]) },
        { name: "s2.json", report: shard(2, 2, ["b"]) },
      ]),
    ).toThrow(/shard 1\/2 is given twice \(s1.json, copy.json\)/);
    expect(() =>
      mergeReports([
        { name: "s1.json", report: shard(1, 2, ["a"]) },
        { name: "old.json", report: shard(2, 2, ["b"], "p0") },
      ]),
    ).toThrow(/old.json is shard 2\/2 of partition p0, but s1.json is shard 1\/2 of partition p1/);
    expect(() =>
      mergeReports([{ name: "plain.json", report: report([file({ path: "a", verdicts: { a: "pass" } })]) }]),
    ).toThrow(MergeError);
    expect(() =>
      mergeReports([
        { name: "s1.json", report: shard(1, 2, ["a"]) },
        { name: "s2.json", report: shard(2, 2, ["a"]) },
      ]),
    ).toThrow(/a \(rubrics\/docs.md\) is in shard 1 and shard 2/);
  });
});
