import { renderDocx } from "./docx.js";
import type { ImageInput } from "../ports/models.js";
import { renderImage } from "./image.js";
import { renderIpynb } from "./ipynb.js";
import { renderPdf } from "./pdf.js";
import { renderPptx } from "./pptx.js";
import {
  RENDER_FORMATS,
  RenderError,
  type RenderFormat,
  type Rendering,
  type RenderLimits,
} from "./types.js";
import { renderXlsx } from "./xlsx.js";

type Rendered = string | { text: string; images: ImageInput[] };

const RENDERERS: Record<
  RenderFormat,
  (bytes: Uint8Array, limits: RenderLimits) => Rendered | Promise<Rendered>
> = {
  xlsx: renderXlsx,
  docx: renderDocx,
  pptx: renderPptx,
  pdf: renderPdf,
  ipynb: renderIpynb,
  image: renderImage,
};

const IMAGE_EXTENSIONS = new Set(["png", "jpg", "jpeg", "gif", "webp"]);

/** The rendered format of a path, by extension; null for a file graded as text. */
export function renderFormatOf(path: string): RenderFormat | null {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (IMAGE_EXTENSIONS.has(ext)) return "image";
  return ext !== "image" && (RENDER_FORMATS as readonly string[]).includes(ext)
    ? (ext as RenderFormat)
    : null;
}

/** Renders a file for the judge; a file beyond a limit or not of its format is a `RenderError`. */
export async function renderArtifact(
  format: RenderFormat,
  bytes: Uint8Array,
  limits: RenderLimits,
): Promise<Rendering> {
  const rendered = await RENDERERS[format](bytes, limits);
  const { text, images } = typeof rendered === "string" ? { text: rendered, images: [] } : rendered;
  if (text.length > limits.maxChars) {
    throw new RenderError(
      "limit",
      `the rendering is ${text.length} characters, over the limit of ${limits.maxChars}`,
    );
  }
  return { format, text, images };
}

/** Where evidence found at `line` (1-based) of a rendering sits: `Sheet!B7`, `slide 3`, `paragraph 12`, `cell 4`. */
export function addressAt(format: RenderFormat, text: string, line: number): string | null {
  const lines = text.split("\n");
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const current = lines[i] ?? "";
    const found = ADDRESS[format](current);
    if (found !== null) return found;
    // A spreadsheet's address is on the cell's own line only.
    if (format === "xlsx") return null;
  }
  return null;
}

const ADDRESS: Record<RenderFormat, (line: string) => string | null> = {
  xlsx: (line) => /^((?:'(?:[^']|'')+'|[^\s!']+)![A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?) = /.exec(line)?.[1] ?? null,
  docx: (line) => /^\((paragraph \d+|table \d+)\) ?/.exec(line)?.[1] ?? null,
  pptx: (line) => /^## (slide \d+)\b/.exec(line)?.[1] ?? null,
  pdf: (line) => /^## (page \d+)\b/.exec(line)?.[1] ?? null,
  ipynb: (line) => /^## (cell \d+)\b/.exec(line)?.[1] ?? null,
  image: (line) => (line.startsWith("# picture") ? "picture" : null),
};
