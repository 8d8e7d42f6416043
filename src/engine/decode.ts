import type { SkipKind } from "../report/schema.js";

/** Why a file is not graded as text, or its text. */
export type Decoded = { ok: true; text: string } | { ok: false; reason: string; kind: SkipKind };

/** Default size limit of a graded file. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024;

/** Decodes a file for grading: UTF-8 text only; binary, non-UTF-8 and oversized files are skipped. */
export function decodeArtifact(bytes: Uint8Array, maxBytes: number): Decoded {
  if (bytes.length > maxBytes) {
    return { ok: false, kind: "too_large", reason: tooLargeReason(bytes.length, maxBytes) };
  }
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) {
    return { ok: false, kind: "binary", reason: "the file is binary (it contains NUL bytes)" };
  }
  try {
    // ignoreBOM keeps a byte-order mark in the text, so a revision can be checked to keep it.
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { ok: false, kind: "not_utf8", reason: "the file is not valid UTF-8" };
  }
}

/** Why a file over the size limit is not graded. */
export function tooLargeReason(size: number, maxBytes: number): string {
  return `the file is ${size} bytes, over the limit of ${maxBytes} (max-file-bytes)`;
}
