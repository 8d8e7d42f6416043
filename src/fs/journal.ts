import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { dirname } from "node:path";
import type { JournalLine } from "../report/journal.js";

/** Most bytes given to one write(2): whole lines only, so another appender's lines never land inside one. */
const CHUNK_BYTES = 512 * 1024;

/** How long a journal's end must hold still before a line it ends inside counts as cut off. */
const SETTLE_MS = 100;
/** How many times to wait for other runs' writes to end before leaving the end as it is. */
const SETTLE_TRIES = 50;

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
    let pending: string[] = [];
    let pendingBytes = 0;
    if (await endsInsideCutLine(handle)) {
      pending.push("\n");
      pendingBytes = 1;
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

/**
 * Whether the journal ends inside a line that no one will finish: a run killed mid-write. A file's size
 * grows page by page while another run's write(2) is under way, so an end inside a line may be a live
 * writer's: only an end that holds still for `SETTLE_MS` counts as cut off. While the end keeps moving,
 * it is looked at again where it stops (at most `SETTLE_TRIES` times; then it is left as it is).
 */
async function endsInsideCutLine(handle: FileHandle): Promise<boolean> {
  let { size } = await handle.stat();
  for (let tries = 0; size > 0 && tries < SETTLE_TRIES; tries++) {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return false;
    await delay(SETTLE_MS);
    const now = (await handle.stat()).size;
    if (now === size) return true;
    size = now;
  }
  return false;
}
