import { relative, resolve } from "node:path";
import { z } from "zod";
import { decodeArtifact } from "../../engine/decode.js";
import { createWorkspaceSource } from "../../fs/workspace.js";
import { UnreadableFileError } from "../../ports/files.js";
import { renderArtifact, renderFormatOf } from "../../render/render.js";
import { DEFAULT_RENDER_LIMITS, RENDER_FORMATS, RenderError } from "../../render/types.js";
import type { Subcommand } from "../command.js";
import { parseFlags } from "./flags.js";

const HELP = `rubric-gate render FILE

Prints the text the judge grades for FILE: the rendering of a generated artifact
(${RENDER_FORMATS.map((f) => `.${f}`).join(", ")}), every piece under its address (Sheet!B7, slide 3,
paragraph 12, cell 4), or the file itself when it is text. No model is called.

Exit codes: 0 printed; 1 the file cannot be rendered (the reason is printed: grading would skip it);
2 usage error, or the file cannot be read.`;

/** As large as grading reads a generated artifact. */
const MAX_BYTES = 20 * 1024 * 1024;

/** `rubric-gate render FILE`: the judge's view of a file. */
export const renderCommand: Subcommand = {
  summary: "print the text the judge grades for a file (the rendering of .xlsx, .docx, .pptx, .pdf, .ipynb)",
  async run(argv, io) {
    const flags = parseFlags("render", argv, {}, z.object({}));
    if (!flags.ok) {
      io.stderr(`rubric-gate: ${flags.message}`);
      return 2;
    }
    if (flags.help) {
      io.stdout(HELP);
      return 0;
    }
    const [file, ...extra] = flags.positionals;
    if (file === undefined || extra.length > 0) {
      io.stderr("rubric-gate render: give exactly one FILE, e.g. rubric-gate render reports/model.xlsx");
      return 2;
    }
    const path = relative(io.cwd, resolve(io.cwd, file)).split("\\").join("/");
    let bytes: Uint8Array | null;
    try {
      bytes = await createWorkspaceSource(io.cwd).read(path, { maxBytes: MAX_BYTES });
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      io.stderr(`rubric-gate render: ${file}: ${error.message}`);
      return 2;
    }
    if (bytes === null) {
      io.stderr(`rubric-gate render: ${file} does not exist (paths are relative to ${io.cwd})`);
      return 2;
    }
    const format = renderFormatOf(path);
    if (format === null) {
      const decoded = decodeArtifact(bytes, MAX_BYTES);
      if (!decoded.ok) {
        io.stderr(`rubric-gate render: ${file}: ${decoded.reason}; it would be skipped`);
        return 1;
      }
      io.stdout(decoded.text.replace(/\n$/, ""));
      return 0;
    }
    try {
      const rendering = await renderArtifact(format, bytes, {
        ...DEFAULT_RENDER_LIMITS,
        now: () => Date.now(),
      });
      io.stdout(rendering.text.replace(/\n$/, ""));
      return 0;
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      io.stderr(`rubric-gate render: ${file} cannot be rendered: ${error.message}; grading would skip it`);
      return 1;
    }
  },
};
