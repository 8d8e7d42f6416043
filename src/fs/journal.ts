import { mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { JournalLine } from "../report/journal.js";

/** Most bytes given to one write(2): whole lines only, so another appender's lines never land inside one. */
const CHUNK_BYTES = 512 * 1024;

/** Makes the journal's folder, and fails now, before any model call, when the journal cannot be appended to (a directory, no permission). */
export async function checkJournal(path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) throw new Error("it is a directory; give a file, e.g. .rubric-gate/journal.jsonl");
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "a");
  await handle.close();
}

/**
 * Appends lines to a JSONL journal (SPEC §11). The file is opened for appending (O_APPEND), so every
 * write lands at the end even with other runs appending at once; each write holds whole lines, and a
 * journal whose last line was cut off (a run killed mid-write) gets a new line first, so the cut line
 * stays one bad line instead of swallowing the first of ours. Returns the number of lines written.
 */
export async function appendJournal(path: string, lines: Iterable<JournalLine>): Promise<number> {
  const handle = await open(path, "a+");
  let written = 0;
  try {
    const { size } = await handle.stat();
    let pending: string[] = [];
    let pendingBytes = 0;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        pending.push("\n");
        pendingBytes = 1;
      }
    }
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const buffer = Buffer.from(pending.join(""));
      let offset = 0;
      while (offset < buffer.length) {
        const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
        offset += bytesWritten;
      }
      pending = [];
      pendingBytes = 0;
    };
    for (const line of lines) {
      const json = `${JSON.stringify(line)}\n`;
      const bytes = Buffer.byteLength(json);
      if (pendingBytes + bytes > CHUNK_BYTES) await flush();
      pending.push(json);
      pendingBytes += bytes;
      written++;
    }
    await flush();
  } finally {
    await handle.close();
  }
  return written;
}
