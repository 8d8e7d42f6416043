/** Why a file is not graded as text, or its text. */
export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

/** Default size limit of a graded file. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024;

/** Decodes a file for grading: UTF-8 text only; binary, non-UTF-8 and oversized files are skipped. */
export function decodeArtifact(bytes: Uint8Array, maxBytes: number): Decoded {
  if (bytes.length > maxBytes) {
    return {
      ok: false,
      reason: `the file is ${bytes.length} bytes, over the limit of ${maxBytes} (max-file-bytes)`,
    };
  }
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { ok: false, reason: "the file is binary (it contains NUL bytes)" };
  try {
    // ignoreBOM keeps a byte-order mark in the text, so a revision can be checked to keep it.
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: "the file is not valid UTF-8" };
  }
}
