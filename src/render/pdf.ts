import { getDocumentProxy } from "unpdf";
import { RenderError, type RenderLimits } from "./types.js";

/** Pages a PDF may have to be rendered. */
const MAX_PAGES = 2_000;

/**
 * A PDF as text (SPEC §9), per page (`## page N`), through PDF.js (unpdf's serverless build): no
 * font loading, no worker fetches, nothing fetched from the network (the bytes are given, no URL).
 * The time limit races the whole extraction.
 */
export async function renderPdf(bytes: Uint8Array, limits: RenderLimits): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new RenderError("limit", `rendering took longer than ${limits.timeMs / 1000} s`));
    }, limits.timeMs);
  });
  let document: Awaited<ReturnType<typeof getDocumentProxy>> | undefined;
  try {
    return await Promise.race([
      (async () => {
        try {
          // A copy: PDF.js takes ownership of (detaches) the buffer it is given.
          document = await getDocumentProxy(new Uint8Array(bytes), {
            disableFontFace: true,
            useSystemFonts: false,
            useWorkerFetch: false,
            isOffscreenCanvasSupported: false,
            stopAtErrors: false,
            // Errors only: PDF.js prints warnings with console.log, past the CLI's and the Action's
            // log boundary, and they are about fonts, which text extraction does not need.
            verbosity: 0,
          });
        } catch (error) {
          throw new RenderError("malformed", `the file is not a readable PDF (${(error as Error).message})`);
        }
        if (document.numPages > MAX_PAGES) {
          throw new RenderError(
            "limit",
            `the PDF has ${document.numPages} pages, over the limit of ${MAX_PAGES}`,
          );
        }
        const totalPages = document.numPages;
        const heading = `# PDF: ${totalPages} page${totalPages === 1 ? "" : "s"}`;
        const lines = [heading];
        let chars = heading.length;
        // Page by page, as unpdf's extractText joins a page's items, stopping at the character cap
        // rather than extracting a long PDF in full to refuse it.
        for (let number = 1; number <= totalPages; number++) {
          const page = await document.getPage(number);
          const content = await page.getTextContent();
          const text = content.items
            .map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : ""))
            .join("")
            .replace(/[ \t]+\n/g, "\n")
            .trim();
          lines.push("", `## page ${number}`, text);
          chars += text.length + 12;
          if (chars > limits.maxChars) {
            throw new RenderError(
              "limit",
              `the rendering is over the limit of ${limits.maxChars} characters`,
            );
          }
        }
        return lines.join("\n") + "\n";
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    void document?.cleanup();
  }
}
