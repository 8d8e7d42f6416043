import { createHash } from "node:crypto";
import type { ImageInput } from "../ports/models.js";
import { RenderError } from "./types.js";

/** The largest picture sent as an image input (Anthropic's per-image limit; OpenAI takes more). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * A picture (SPEC §9): sent to the judge as an image input; its rendering names it, with the digest
 * that keys the verdict cache. The type is read from the bytes, never taken from the file name.
 */
export function renderImage(bytes: Uint8Array): { text: string; images: ImageInput[] } {
  const mediaType = sniffImage(bytes);
  if (mediaType === null) {
    throw new RenderError("malformed", "the file is not a PNG, JPEG, GIF or WebP picture");
  }
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new RenderError(
      "limit",
      `the picture is ${bytes.length} bytes, over the limit of ${MAX_IMAGE_BYTES} for an image input`,
    );
  }
  const digest = createHash("sha256").update(bytes).digest("hex");
  return {
    text: `# picture: ${mediaType}, ${bytes.length} bytes, sha256 ${digest}\n\n[picture 1]\n`,
    images: [{ mediaType, data: Buffer.from(bytes).toString("base64") }],
  };
}

/** The picture type read from its first bytes; null when it is none of the four judges take. */
export function sniffImage(bytes: Uint8Array): ImageInput["mediaType"] | null {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (at(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  return null;
}
