import { unzipSync, type UnzipFileInfo } from "fflate";
import { RenderError, type RenderLimits } from "./types.js";
import { attr, findAll, parseXml } from "./xml.js";

/**
 * The entries of an OOXML container, inflated only after their declared sizes pass the limits
 * (entry count, total uncompressed bytes, compression ratio), so a zip bomb is refused before it
 * expands. Only entries `wanted` are inflated; the declared size is checked again after inflating.
 */
export function readZip(
  bytes: Uint8Array,
  limits: RenderLimits,
  wanted: (name: string) => boolean,
): Map<string, Uint8Array> {
  let entries = 0;
  let total = 0;
  const declared = new Map<string, number>();
  const filter = (file: UnzipFileInfo): boolean => {
    entries++;
    if (entries > limits.maxEntries) {
      throw new RenderError("limit", `the file holds more than ${limits.maxEntries} zip entries`);
    }
    if (!wanted(file.name)) return false;
    if (file.originalSize / Math.max(1, file.size) > limits.maxRatio) {
      throw new RenderError(
        "limit",
        `the zip entry ${JSON.stringify(file.name)} expands ${Math.round(file.originalSize / Math.max(1, file.size))}-fold (limit ${limits.maxRatio})`,
      );
    }
    total += file.originalSize;
    if (total > limits.maxUncompressedBytes) {
      throw new RenderError(
        "limit",
        `the file expands to more than ${limits.maxUncompressedBytes} bytes uncompressed`,
      );
    }
    declared.set(file.name, file.originalSize);
    return true;
  };
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter });
  } catch (error) {
    if (error instanceof RenderError) throw error;
    throw new RenderError(
      "malformed",
      `the file is not a readable zip container (${(error as Error).message})`,
    );
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    if (data.length !== declared.get(name)) {
      throw new RenderError("malformed", `the zip entry ${JSON.stringify(name)} is not the size it declares`);
    }
    out.set(name, data);
  }
  return out;
}

/**
 * One part of a container, read on its own (a picture, only when it will be sent): the same limits
 * apply, and a part beyond one, or missing, is a reason rather than an error.
 */
export function readPart(
  bytes: Uint8Array,
  limits: RenderLimits,
  name: string,
): Uint8Array | { unreadable: string } {
  try {
    return (
      readZip(bytes, limits, (entry) => entry === name).get(name) ?? {
        unreadable: `its part ${name} is missing`,
      }
    );
  } catch (error) {
    if (error instanceof RenderError) return { unreadable: error.message };
    throw error;
  }
}

export function text(entries: Map<string, Uint8Array>, name: string): string | null {
  const data = entries.get(name);
  return data === undefined ? null : new TextDecoder("utf-8").decode(data);
}

/** The targets of an OOXML part's relationships by id, resolved to package paths (external ones left out). */
export function relationships(xml: string | null, base: string): Map<string, string> {
  const out = new Map<string, string>();
  if (xml === null) return out;
  for (const rel of findAll(parseXml(xml, "relationships"), "Relationship")) {
    const id = attr(rel, "Id");
    const target = attr(rel, "Target");
    if (!id || !target || attr(rel, "TargetMode") === "External") continue;
    out.set(id, resolvePart(base, target));
  }
  return out;
}

/** A relationship target relative to its part's folder, or absolute from the package root. */
export function resolvePart(base: string, target: string): string {
  if (target.startsWith("/")) return target.slice(1);
  const parts = base.split("/").filter(Boolean);
  for (const segment of target.split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== ".") parts.push(segment);
  }
  return parts.join("/");
}
