import { RenderError, checkTime, type RenderLimits } from "./types.js";

interface Cell {
  cell_type?: unknown;
  source?: unknown;
  outputs?: unknown;
}

/**
 * A notebook as text (SPEC §9), per cell (`## cell N (code|markdown|raw)`): its source, then its text
 * outputs and errors; pictures in outputs as `[picture: image/png]`.
 */
export function renderIpynb(bytes: Uint8Array, limits: RenderLimits): string {
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
  for (const [index, cell] of cells.entries()) {
    if (index % 50 === 0) checkTime(limits, started);
    const type = typeof cell.cell_type === "string" ? cell.cell_type : "unknown";
    lines.push("", `## cell ${index + 1} (${type})`, joined(cell.source).replace(/\n$/, ""));
    const outputs = Array.isArray(cell.outputs) ? (cell.outputs as Array<Record<string, unknown>>) : [];
    for (const output of outputs) {
      const rendered = outputText(output);
      if (rendered !== "") lines.push("### output", rendered.replace(/\n$/, ""));
    }
  }
  return lines.join("\n") + "\n";
}

function joined(value: unknown): string {
  if (typeof value === "string") return value;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").join("") : "";
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function outputText(output: Record<string, unknown>): string {
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
      const pictures = Object.keys(data).filter((k) => k.startsWith("image/"));
      const textPlain = joined(data["text/plain"]);
      return [textPlain, ...pictures.map((k) => `[picture: ${k}]`)].filter(Boolean).join("\n");
    }
    default:
      return "";
  }
}
