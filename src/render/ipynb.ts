import type { ImageInput } from "../ports/models.js";
import { ATTACHABLE, Pictures } from "./pictures.js";
import { RenderError, checkTime, type RenderLimits } from "./types.js";

interface Cell {
  cell_type?: unknown;
  source?: unknown;
  outputs?: unknown;
}

/**
 * A notebook as text (SPEC §9), per cell (`## cell N (code|markdown|raw)`): its source, then its text
 * outputs and errors; pictures in outputs as `[picture N: their text/plain]`, attached as image inputs
 * within the limits of `Pictures`.
 */
export function renderIpynb(bytes: Uint8Array, limits: RenderLimits): { text: string; images: ImageInput[] } {
  const started = limits.now();
  let notebook: { cells?: unknown };
  try {
    notebook = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as { cells?: unknown };
  } catch (error) {
    throw new RenderError("malformed", `the notebook is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(notebook.cells)) throw new RenderError("malformed", "the notebook has no cells array");
  const cells = notebook.cells as Cell[];
  const lines: string[] = [`# Notebook: ${cells.length} cell${cells.length === 1 ? "" : "s"}`];
  const pictures = new Pictures();
  for (const [index, cell] of cells.entries()) {
    if (index % 50 === 0) checkTime(limits, started);
    const type = typeof cell.cell_type === "string" ? cell.cell_type : "unknown";
    lines.push("", `## cell ${index + 1} (${type})`, joined(cell.source).replace(/\n$/, ""));
    const outputs = Array.isArray(cell.outputs) ? (cell.outputs as Array<Record<string, unknown>>) : [];
    for (const output of outputs) {
      const rendered = outputText(output, pictures);
      if (rendered !== "") lines.push("### output", rendered.replace(/\n$/, ""));
    }
  }
  return { text: lines.join("\n") + "\n", images: pictures.images };
}

function joined(value: unknown): string {
  if (typeof value === "string") return value;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").join("") : "";
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function outputText(output: Record<string, unknown>, pictures: Pictures): string {
  switch (output["output_type"]) {
    case "stream":
      return joined(output["text"]);
    case "error":
      return [
        `${String(output["ename"])}: ${String(output["evalue"])}`,
        joined((output["traceback"] as unknown[] | undefined)?.map((l) => `${String(l)}\n`) ?? []),
      ]
        .join("\n")
        .replace(ANSI, "");
    case "execute_result":
    case "display_data": {
      const data = (output["data"] ?? {}) as Record<string, unknown>;
      const textPlain = joined(data["text/plain"]);
      // One picture per output: Jupyter gives the same figure in several types; the first a judge takes.
      const types = Object.keys(data).filter((k) => k.startsWith("image/"));
      const type = types.find((k) => ATTACHABLE.has(k)) ?? types[0];
      if (type === undefined) return textPlain;
      const placeholder = pictures.add(textPlain, type, () => {
        const encoded = joined(data[type]).replace(/\s+/g, "");
        return /^[A-Za-z0-9+/]*={0,2}$/.test(encoded)
          ? new Uint8Array(Buffer.from(encoded, "base64"))
          : { unreadable: "its data is not base64" };
      });
      return placeholder;
    }
    default:
      return "";
  }
}
