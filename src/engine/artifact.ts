import type { Clock } from "../ports/clock.js";
import type { ImageInput } from "../ports/models.js";
import { UnreadableFileError, type FileSource } from "../ports/files.js";
import { renderArtifact, renderFormatOf } from "../render/render.js";
import { DEFAULT_RENDER_LIMITS, RenderError, type RenderFormat } from "../render/types.js";
import type { SkipKind } from "../report/schema.js";
import { decodeArtifact, DEFAULT_MAX_FILE_BYTES } from "./decode.js";

/**
 * The size a generated artifact may have on disk: office files are zip containers, larger than the
 * text they render to; the rendering itself is bounded by the render limits.
 */
export const RENDERED_MAX_FILE_BYTES = 20 * 1024 * 1024;

/** A file ready for the judge: its bytes and the text graded (the file, or its rendering). */
export type ReadArtifact =
  | { ok: true; bytes: Uint8Array; text: string; format: RenderFormat | null; images: ImageInput[] }
  | { ok: false; kind: SkipKind; reason: string };

/**
 * Reads a file the way grading and the dry run both see it: UTF-8 text as it is, a generated artifact
 * (SPEC §9) as its rendering; a file that cannot be read, decoded or rendered is a skip with its reason.
 */
export async function readArtifact(
  workspace: FileSource,
  path: string,
  options: { maxFileBytes?: number; clock: Clock },
): Promise<ReadArtifact> {
  const format = renderFormatOf(path);
  const textLimit = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let bytes: Uint8Array | null;
  try {
    bytes = await workspace.read(path, {
      maxBytes: format ? Math.max(textLimit, RENDERED_MAX_FILE_BYTES) : textLimit,
    });
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    return {
      ok: false,
      kind: error.kind === "too_large" ? "too_large" : "unreadable",
      reason: error.message,
    };
  }
  if (!bytes) return { ok: false, kind: "missing", reason: "the file does not exist" };
  if (format === null) {
    const decoded = decodeArtifact(bytes, textLimit);
    return decoded.ok ? { ok: true, bytes, text: decoded.text, format: null, images: [] } : decoded;
  }
  try {
    const rendering = await renderArtifact(format, bytes, {
      ...DEFAULT_RENDER_LIMITS,
      now: () => options.clock.now(),
    });
    return { ok: true, bytes, text: rendering.text, format, images: rendering.images };
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    return {
      ok: false,
      kind: "unrenderable",
      reason: `the ${path.slice(path.lastIndexOf(".")).toLowerCase()} file cannot be rendered: ${error.message}`,
    };
  }
}
