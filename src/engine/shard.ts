import { createHash } from "node:crypto";

/** Which part of a run this one is (`--shard I/N`, 1-based). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Reads `I/N` (1 ≤ I ≤ N ≤ 256); null when the text is not that. */
export function parseShard(text: string): ShardSpec | null {
  const match = /^(\d{1,3})\/(\d{1,3})$/.exec(text.trim());
  if (!match) return null;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 256 || index < 1 || index > count) return null;
  return { index, count };
}

/**
 * Splits files into `count` shards of about equal size (SPEC §12): largest first, each to the shard
 * with the fewest bytes so far (ties: the lower shard, then the path), so the same files with the same
 * sizes always give the same shards, and every file lands in exactly one. Returns the shard (0-based)
 * of each path.
 */
export function partition(
  files: ReadonlyArray<{ path: string; size: number }>,
  count: number,
): Map<string, number> {
  const order = [...files].sort(
    (a, b) => b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  const loads = Array.from({ length: count }, () => ({ bytes: 0, files: 0 }));
  const shardOf = new Map<string, number>();
  for (const file of order) {
    let best = 0;
    let least = { bytes: Infinity, files: Infinity };
    for (const [s, load] of loads.entries()) {
      // Fewest bytes; among equals, fewest files (many empty files still spread out); then the lower shard.
      if (load.bytes < least.bytes || (load.bytes === least.bytes && load.files < least.files)) {
        best = s;
        least = load;
      }
    }
    shardOf.set(file.path, best);
    least.bytes += Math.max(file.size, 1);
    least.files++;
  }
  return shardOf;
}

/**
 * A digest of what was partitioned (every matched path, sorted, with its size): shards of one run share
 * it, and `merge-reports` refuses shards whose digests differ (another tree, other rubrics).
 */
export function partitionDigest(files: ReadonlyArray<{ path: string; size: number }>, count: number): string {
  const hash = createHash("sha256").update(`${count}\n`);
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(`${file.path}\0${file.size}\n`);
  return hash.digest("hex").slice(0, 16);
}
