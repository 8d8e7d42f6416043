// Rendering time and rendering tokens per generated format (`npm run bench -- --render-only`, and
// part of every `npm run bench`): files of about 10 KB, 1 MB and 10 MB written by the generator
// libraries, rendered in-process; the median of three renderings, tokens as the judge would be sent
// them (characters / 4). A rendering over the cap (1,000,000 characters) is reported as skipped.
import { performance } from "node:perf_hooks";
import { renderArtifact } from "../src/render/render.js";
import { DEFAULT_RENDER_LIMITS, RenderError, type RenderFormat } from "../src/render/types.js";

type Maker = (n: number) => Promise<Uint8Array>;

/** A distinct 4 KB "chart": a PNG signature and header, then bytes that do not compress. */
function chart(seed: number): Uint8Array {
  const bytes = new Uint8Array(4096);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  let x = (seed + 1) * 2654435761;
  for (let i = 16; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

const SENTENCE =
  "Revenue grew in every region except the north, where a supplier change delayed two launches.";

const MAKERS: Record<Exclude<RenderFormat, "image">, Maker> = {
  // A model's data sheet: a label row every 100 rows, numbers, and a per-row formula.
  xlsx: async (rows) => {
    const { default: ExcelJS } = await import("exceljs");
    const { PassThrough } = await import("node:stream");
    // The streaming writer: the in-memory one runs out of heap at 10 MB.
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useSharedStrings: true });
    const sheet = wb.addWorksheet("Data");
    sheet.addRow(["Month", "Revenue", "Cost", "Margin"]).commit();
    for (let r = 2; r <= rows + 1; r++) {
      const row =
        r % 100 === 0
          ? [`Subtotal ${r / 100}`]
          : [r, (r * 37) % 1000.5, (r * 17) % 700.25, { formula: `B${r}-C${r}`, result: 0 }];
      sheet.addRow(row).commit();
    }
    sheet.commit();
    await wb.commit();
    return new Uint8Array(Buffer.concat(chunks));
  },
  // A report: paragraphs of text, and a chart (a 4 KB picture) after every 10th — office files of
  // 10 MB are large for their pictures (text alone that size exhausts the generator's heap).
  docx: async (paragraphs) => {
    const { Document, ImageRun, Packer, Paragraph, TextRun } = await import("docx");
    const doc = new Document({
      sections: [
        {
          children: Array.from(
            { length: paragraphs },
            (_, i) =>
              new Paragraph({
                children: [
                  new TextRun(`${i + 1}. ${SENTENCE}`),
                  ...(i % 10 === 9
                    ? [
                        new ImageRun({
                          type: "png",
                          data: chart(i),
                          transformation: { width: 40, height: 30 },
                          altText: { name: `chart${i}`, description: `Chart ${i}`, title: `Chart ${i}` },
                        }),
                      ]
                    : []),
                ],
              }),
          ),
        },
      ],
    });
    return new Uint8Array(await Packer.toBuffer(doc));
  },
  // A deck: a title and a chart (a 4 KB picture) per slide.
  pptx: async (slides) => {
    const mod = await import("pptxgenjs");
    const Ctor = ((mod as unknown as { default: { default?: unknown } }).default.default ??
      mod.default) as new () => {
      addSlide(): { addText(t: string, o: object): void; addImage(o: object): void };
      write(o: object): Promise<unknown>;
    };
    const pptx = new Ctor();
    for (let i = 0; i < slides; i++) {
      const slide = pptx.addSlide();
      slide.addText(`Slide ${i + 1}: ${SENTENCE}`, { x: 1, y: 1, w: 8, h: 1 });
      slide.addImage({
        data: `image/png;base64,${Buffer.from(chart(i)).toString("base64")}`,
        x: 1,
        y: 2,
        w: 4,
        h: 3,
        altText: `Chart ${i + 1}`,
      });
    }
    return (await pptx.write({ outputType: "uint8array" })) as Uint8Array;
  },
  pdf: async (pages) => {
    const { PDFDocument, StandardFonts } = await import("pdf-lib");
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    for (let p = 0; p < pages; p++) {
      const page = pdf.addPage([595, 842]);
      for (let l = 0; l < 30; l++)
        page.drawText(SENTENCE.slice(0, 80), { x: 40, y: 800 - l * 25, size: 10, font });
    }
    return await pdf.save();
  },
  ipynb: (cells) =>
    Promise.resolve(
      new TextEncoder().encode(
        JSON.stringify({
          nbformat: 4,
          nbformat_minor: 5,
          metadata: {},
          cells: Array.from({ length: cells }, (_, i) => ({
            cell_type: "code",
            metadata: {},
            execution_count: i + 1,
            source: [`x = ${i}\n`, `print(x)`],
            outputs: [{ output_type: "stream", name: "stdout", text: [`${SENTENCE}\n`] }],
          })),
        }),
      ),
    ),
};

/**
 * A file of about `bytes`: the size per unit measured on a small file, the count extrapolated, then
 * corrected once (generating 10 MB office files by doubling took minutes).
 */
async function fileOfSize(make: Maker, bytes: number): Promise<Uint8Array> {
  const probe = 256;
  const small = await make(probe);
  if (small.length >= bytes) return make(Math.max(1, Math.floor((probe * bytes) / small.length)));
  let n = Math.ceil((probe * bytes) / small.length);
  let file = await make(n);
  if (file.length < bytes * 0.9) {
    n = Math.ceil((n * bytes) / file.length);
    file = await make(n);
  }
  return file;
}

export interface RenderFigure {
  format: string;
  targetBytes: number;
  bytes: number;
  medianMs: number | null;
  tokens: number | null;
  note: string;
}

export async function renderBench(sizes: number[]): Promise<RenderFigure[]> {
  const out: RenderFigure[] = [];
  for (const [format, make] of Object.entries(MAKERS) as Array<[Exclude<RenderFormat, "image">, Maker]>) {
    for (const target of sizes) {
      process.stderr.write(`rendering bench: ${format} at ${target} bytes\n`);
      const file = await fileOfSize(make, target);
      const samples: number[] = [];
      let tokens: number | null = null;
      let note = "";
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        try {
          const { text } = await renderArtifact(format, file, {
            ...DEFAULT_RENDER_LIMITS,
            now: () => Date.now(),
          });
          tokens = Math.ceil(text.length / 4);
        } catch (error) {
          if (!(error instanceof RenderError)) throw error;
          note = `skipped: ${error.message}`;
        }
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      out.push({
        format,
        targetBytes: target,
        bytes: file.length,
        medianMs: samples[1] ?? null,
        tokens,
        note,
      });
    }
  }
  return out;
}

export function renderTable(figures: RenderFigure[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.format} | ${(f.bytes / 1024).toFixed(0)} KB | ${f.medianMs?.toFixed(1) ?? "—"} | ${f.tokens ?? "—"} | ${f.note} |`,
  );
  return [
    "| format | file | render ms (median of 3) | tokens | note |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
