import { UnreadableFileError, type FileSource } from "../ports/files.js";
import type { LinkTargets } from "./checks.js";

/** Link targets in a source: its files and their folders, listed once; markdown read for anchors. */
export function linkTargetsOf(source: FileSource): LinkTargets {
  let known: Promise<Set<string>> | undefined;
  const paths = () =>
    (known ??= source.list().then((files) => {
      const set = new Set<string>([""]);
      for (const file of files) {
        set.add(file);
        for (let i = file.indexOf("/"); i >= 0; i = file.indexOf("/", i + 1)) set.add(file.slice(0, i));
      }
      return set;
    }));
  return {
    async exists(path) {
      return (await paths()).has(path.replace(/\/+$/, ""));
    },
    async read(path) {
      try {
        const bytes = await source.read(path, { maxBytes: 1024 * 1024 });
        return bytes === null ? null : new TextDecoder("utf-8").decode(bytes);
      } catch (error) {
        if (error instanceof UnreadableFileError) return null;
        throw error;
      }
    },
  };
}
