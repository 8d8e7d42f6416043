import type { ImageInput } from "../ports/models.js";
import { MAX_IMAGE_BYTES, sniffImage } from "./image.js";

/** Pictures inside one file sent to the judge at most; the rest are named in the rendering only. */
export const MAX_PICTURES = 8;
/**
 * Bytes of all pictures of one file sent to the judge: base64 makes them a third larger, which keeps
 * a request within Anthropic's 32 MB (OpenAI takes more).
 */
export const MAX_PICTURES_BYTES = 20 * 1024 * 1024;

/** A picture's bytes, or why they could not be read (a missing part, a limit). */
export type PictureBytes = Uint8Array | { unreadable: string };

/**
 * The pictures of a deck, document or notebook (SPEC §9), numbered in reading order. Each one gets a
 * placeholder in the rendering — `[picture 2: alt text]` when it is attached as an image input, or
 * `[picture 9, not attached (why): alt text]` — so nothing is dropped silently.
 */
export class Pictures {
  readonly images: ImageInput[] = [];
  private count = 0;
  private bytes = 0;

  /** The placeholder for the next picture; `read` is only called when the picture could be attached. */
  add(alt: string, mediaTypeHint: string | null, read: () => PictureBytes): string {
    const n = ++this.count;
    const label = alt.trim() === "" ? "" : `: ${alt.replace(/\s+/g, " ").trim()}`;
    const notAttached = (why: string) => `[picture ${n}, not attached (${why})${label}]`;
    if (this.images.length >= MAX_PICTURES) {
      return notAttached(`over the limit of ${MAX_PICTURES} pictures per file`);
    }
    if (mediaTypeHint !== null && !ATTACHABLE.has(mediaTypeHint)) {
      return notAttached(`${mediaTypeHint} is not a type judges take`);
    }
    const data = read();
    if (!(data instanceof Uint8Array)) return notAttached(data.unreadable);
    const mediaType = sniffImage(data);
    if (mediaType === null) return notAttached("not a PNG, JPEG, GIF or WebP picture");
    if (data.length > MAX_IMAGE_BYTES) {
      return notAttached(`${data.length} bytes, over the limit of ${MAX_IMAGE_BYTES} per picture`);
    }
    if (this.bytes + data.length > MAX_PICTURES_BYTES) {
      return notAttached(`over the limit of ${MAX_PICTURES_BYTES} bytes of pictures per file`);
    }
    this.bytes += data.length;
    this.images.push({ mediaType, data: Buffer.from(data).toString("base64") });
    return `[picture ${n}${label}]`;
  }
}

/** The picture types both providers take as image inputs. */
export const ATTACHABLE: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
]);

/** A media type from a package part's extension, for pictures of types no judge takes (`.emf`, `.svg`). */
export function mediaTypeOfPart(part: string): string | null {
  const ext = part.slice(part.lastIndexOf(".") + 1).toLowerCase();
  return EXTENSION_TYPES[ext] ?? null;
}

const EXTENSION_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  emf: "image/x-emf",
  wmf: "image/x-wmf",
  svg: "image/svg+xml",
  tif: "image/tiff",
  tiff: "image/tiff",
  bmp: "image/bmp",
};
