import { protectedPathReason, revisionProblem } from "../writer/safety.js";

/** A revision may not grow a file beyond this many times its size (plus a little room for small files). */
const MAX_GROWTH = 3;
const GROWTH_ROOM = 8 * 1024;

/**
 * Checks a revision again right before it leaves the run (SPEC §8): a protected path, an emptied or
 * shrunk file, changed line endings or byte-order mark, a token-shaped string, a size that is not
 * sane, or text that does not survive UTF-8. Returns why it must not be delivered, or null.
 */
export function deliveryProblem(
  path: string,
  original: string,
  revised: string,
  limits: { maxBytes: number },
): string | null {
  const protectedReason = protectedPathReason(path);
  if (protectedReason !== null) return protectedReason;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return `${path} is not a path inside the repository`;
  const problem = revisionProblem(original, revised);
  if (problem !== null) return problem;
  const bytes = new TextEncoder().encode(revised);
  if (new TextDecoder().decode(bytes) !== revised) return "the revision is not valid Unicode text";
  if (revised.includes("\0")) return "the revision contains a NUL character";
  if (bytes.length > limits.maxBytes) {
    return `the revision is ${bytes.length} bytes, over the limit of ${limits.maxBytes} (max-file-bytes)`;
  }
  const before = new TextEncoder().encode(original).length;
  if (bytes.length > before * MAX_GROWTH + GROWTH_ROOM) {
    return `the revision grows the file from ${before} to ${bytes.length} bytes (more than ${MAX_GROWTH} times)`;
  }
  return null;
}
