import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CachedGrade, VerdictStore } from "../judge/cache.js";

const KEY = /^[0-9a-f]{64}$/;

/**
 * A verdict cache in a directory: one JSON file per key (`<sha256>.json`), written atomically
 * (temporary file, then rename), so concurrent runs and an interrupted write never leave a torn entry.
 * A missing, unreadable or corrupt entry reads as absent. The directory is created when missing; to
 * keep the cache between CI runs, persist that directory (e.g. with `actions/cache`). The entries are
 * listed once at creation, so a miss costs no file system call.
 */
export async function createFileVerdictStore(dir: string): Promise<VerdictStore> {
  await mkdir(dir, { recursive: true });
  const present = new Set(
    (await readdir(dir)).filter((name) => /^[0-9a-f]{64}\.json$/.test(name)).map((name) => name.slice(0, -5)),
  );
  const fileOf = (key: string): string => {
    if (!KEY.test(key)) throw new Error(`not a verdict cache key: ${JSON.stringify(key)}`);
    return join(dir, `${key}.json`);
  };
  return {
    async get(key) {
      const file = fileOf(key);
      if (!present.has(key)) return undefined;
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch {
        return undefined;
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    },
    async set(key: string, entry: CachedGrade) {
      const target = fileOf(key);
      const temporary = `${target}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
      try {
        await writeFile(temporary, JSON.stringify(entry) + "\n");
        await rename(temporary, target);
        present.add(key);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
    },
  };
}
