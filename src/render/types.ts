import type { ImageInput } from "../ports/models.js";

/** The formats rubric-gate renders to text for the judge (SPEC §9). */
export const RENDER_FORMATS = ["xlsx", "docx", "pptx", "pdf", "ipynb", "image"] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

/** A faithful, deterministic text view of a file, every piece under its address. */
export interface Rendering {
  format: RenderFormat;
  text: string;
  /** Pictures sent to the judge as image inputs beside the text. */
  images: ImageInput[];
}

/** Bounds on what rendering one file may cost; a file beyond one is skipped with the reason. */
export interface RenderLimits {
  /** Total uncompressed bytes of the entries read from a zip container. */
  maxUncompressedBytes: number;
  /** Entries in a zip container. */
  maxEntries: number;
  /** Uncompressed size over compressed size, per entry. */
  maxRatio: number;
  /** Characters of the rendering (what the judge is sent). */
  maxChars: number;
  /** Wall time per rendering, checked between pieces. */
  timeMs: number;
  now: () => number;
}

export const DEFAULT_RENDER_LIMITS: Omit<RenderLimits, "now"> = {
  maxUncompressedBytes: 64 * 1024 * 1024,
  maxEntries: 10_000,
  maxRatio: 200,
  maxChars: 1_000_000,
  timeMs: 10_000,
};

/** Why a file could not be rendered: beyond a limit, or not a well-formed file of its format. */
export class RenderError extends Error {
  override readonly name = "RenderError";
  constructor(
    readonly kind: "limit" | "malformed",
    message: string,
  ) {
    super(message);
  }
}

/** Throws when the rendering's time is up; called between pieces (sheets, rows, slides, cells). */
export function checkTime(limits: RenderLimits, started: number): void {
  if (limits.now() - started > limits.timeMs) {
    throw new RenderError("limit", `rendering took longer than ${limits.timeMs / 1000} s`);
  }
}
