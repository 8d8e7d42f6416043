/**
 * Real office files for tests, written by the generator libraries users' pipelines use (exceljs,
 * docx, pptxgenjs) — not hand-made XML.
 */
import ExcelJS from "exceljs";
import {
  AlignmentType,
  CommentRangeEnd,
  CommentRangeStart,
  CommentReference,
  Document,
  HeadingLevel,
  ImageRun,
  InsertedTextRun,
  DeletedTextRun,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from "docx";
import pptxModule from "pptxgenjs";

// pptxgenjs ships ES and CommonJS builds with one set of types: take the class from either shape.
type Pptx = InstanceType<typeof pptxModule.default>;
const PptxGenJS = ((pptxModule as unknown as { default?: unknown }).default ?? pptxModule) as new () => Pptx;

/** A small DCF-style model: assumptions on their own sheet, a WACC formula, a hidden sheet, a defined name. */
export async function dcfWorkbook(options: { terminalGrowth: number }): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const assumptions = wb.addWorksheet("Assumptions");
  assumptions.addRow(["Assumption", "Value", "Source"]);
  assumptions.addRow(["Cost of equity", 0.1, "CAPM, beta 1.1 (Bloomberg)"]);
  assumptions.addRow(["Cost of debt", 0.05, "Bond yield, 2026 notes"]);
  assumptions.addRow(["Equity weight", 0.7, "Market values"]);
  assumptions.addRow(["Terminal growth", options.terminalGrowth, "Long-term GDP growth 2.0%"]);
  assumptions.getCell("A6").value = "WACC";
  assumptions.getCell("B6").value = { formula: "B2*B4+B3*(1-B4)", result: 0.085 };
  for (const ref of ["B2", "B3", "B4", "B5", "B6"]) assumptions.getCell(ref).numFmt = "0.0%";
  const dcf = wb.addWorksheet("DCF");
  dcf.addRow(["Year", 2027, 2028, 2029]);
  dcf.addRow(["Free cash flow", 100, 110, 121]);
  dcf.getCell("A3").value = "Terminal value";
  dcf.getCell("D3").value = {
    formula: "D2*(1+Assumptions!B5)/(Assumptions!B6-Assumptions!B5)",
    result: 1900,
  };
  const hidden = wb.addWorksheet("Scratch", { state: "hidden" });
  hidden.getCell("A1").value = "notes";
  wb.definedNames.add("Assumptions!$B$6", "WACC");
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** A document with a title, headings, a list, a table, a tracked change and a comment. */
export async function reportDocument(options: { withRisks: boolean }): Promise<Uint8Array> {
  const doc = new Document({
    comments: {
      children: [{ id: 0, author: "Reviewer", date: new Date(0), children: [new Paragraph("Source?")] }],
    },
    sections: [
      {
        children: [
          new Paragraph({ text: "Quarterly report", heading: HeadingLevel.TITLE }),
          new Paragraph({ text: "Summary", heading: HeadingLevel.HEADING_1 }),
          new Paragraph({
            children: [
              new CommentRangeStart(0),
              new TextRun("Revenue grew 12% over the quarter."),
              new CommentRangeEnd(0),
              new CommentReference(0),
            ],
          }),
          new Paragraph({
            children: [
              new TextRun("Margins were "),
              new DeletedTextRun({ text: "flat", id: 1, author: "Ann", date: "2026-01-01T00:00:00Z" }),
              new InsertedTextRun({
                text: "up 2 points",
                id: 2,
                author: "Ann",
                date: "2026-01-01T00:00:00Z",
              }),
              new TextRun("."),
            ],
          }),
          ...(options.withRisks
            ? [
                new Paragraph({ text: "Risks", heading: HeadingLevel.HEADING_1 }),
                new Paragraph({ text: "Currency exposure in the EU segment.", bullet: { level: 0 } }),
              ]
            : []),
          new Table({
            rows: [
              new TableRow({
                children: [
                  new TableCell({ children: [new Paragraph("Metric")] }),
                  new TableCell({ children: [new Paragraph("Q3")] }),
                ],
              }),
              new TableRow({
                children: [
                  new TableCell({ children: [new Paragraph("Revenue")] }),
                  new TableCell({ children: [new Paragraph("1.2M")] }),
                ],
              }),
            ],
          }),
          new Paragraph({ text: "End.", alignment: AlignmentType.RIGHT }),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}

/** A three-slide deck: a title slide, a slide with bullets and notes, a slide with a table. */
export async function deck(options: { withAgenda: boolean }): Promise<Uint8Array> {
  const pptx = new PptxGenJS();
  const title = pptx.addSlide();
  title.addText("Launch plan", { x: 1, y: 1, w: 8, h: 1, placeholder: "title" });
  const body = pptx.addSlide();
  body.addText(options.withAgenda ? "Agenda: scope, dates, owners" : "Scope and dates", {
    x: 1,
    y: 1,
    w: 8,
    h: 1,
  });
  body.addNotes("Mention the hiring freeze.");
  const table = pptx.addSlide();
  table.addTable(
    [
      [{ text: "Owner" }, { text: "Date" }],
      [{ text: "Ann" }, { text: "2027-03-01" }],
    ],
    { x: 1, y: 1, w: 8 },
  );
  const out = (await pptx.write({ outputType: "uint8array" })) as Uint8Array;
  return out;
}

/** A notebook with a markdown cell, a code cell with output, and one with an error. */
export function notebook(): Uint8Array {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", metadata: {}, source: ["# Churn analysis\n", "Data: 2026 Q1–Q3."] },
      {
        cell_type: "code",
        metadata: {},
        execution_count: 1,
        source: ["df = load()\n", "df.churn.mean()"],
        outputs: [
          {
            output_type: "execute_result",
            execution_count: 1,
            metadata: {},
            data: { "text/plain": ["0.042"] },
          },
        ],
      },
      {
        cell_type: "code",
        metadata: {},
        execution_count: 2,
        source: "plot(df)",
        outputs: [
          {
            output_type: "error",
            ename: "NameError",
            evalue: "name 'plot' is not defined",
            traceback: ["\u001b[31mNameError\u001b[0m: name 'plot' is not defined"],
          },
        ],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(nb, null, 1));
}

/** A PDF of one page per text, written with pdf-lib. */
export async function pdfOfPages(pages: string[]): Promise<Uint8Array> {
  const { PDFDocument, StandardFonts } = await import("pdf-lib");
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = pdf.addPage([595, 842]);
    text.split("\n").forEach((line, i) => {
      page.drawText(line, { x: 50, y: 780 - i * 20, size: 12, font });
    });
  }
  return await pdf.save();
}

/** A real 1 × 1 PNG. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A deck of `count` slides, each with one picture whose alt text is "Chart N". */
export async function pictureDeck(count: number): Promise<Uint8Array> {
  const pptx = new PptxGenJS();
  for (let i = 1; i <= count; i++) {
    const slide = pptx.addSlide();
    slide.addText(`Figure ${i}`, { x: 0.5, y: 0.3, w: 8, h: 0.6 });
    slide.addImage({
      data: `image/png;base64,${PNG.toString("base64")}`,
      x: 1,
      y: 1,
      w: 1,
      h: 1,
      altText: `Chart ${i}`,
    });
  }
  return (await pptx.write({ outputType: "uint8array" })) as Uint8Array;
}

/** A document with `count` paragraphs, each holding one picture described as "Diagram N". */
export async function pictureDocument(count: number): Promise<Uint8Array> {
  const doc = new Document({
    sections: [
      {
        children: Array.from(
          { length: count },
          (_, i) =>
            new Paragraph({
              children: [
                new TextRun(`Figure ${i + 1}: `),
                new ImageRun({
                  type: "png",
                  data: PNG,
                  transformation: { width: 10, height: 10 },
                  altText: {
                    name: `image${i + 1}`,
                    description: `Diagram ${i + 1}`,
                    title: `Diagram ${i + 1}`,
                  },
                }),
              ],
            }),
        ),
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}

/** A notebook whose one code cell displays a figure (PNG plus its text/plain stand-in). */
export function plotNotebook(): Uint8Array {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: "code",
        metadata: {},
        execution_count: 1,
        source: "df.churn.plot()",
        outputs: [
          {
            output_type: "display_data",
            metadata: {},
            data: {
              "image/png": PNG.toString("base64") + "\n",
              "text/plain": ["<Figure size 640x480 with 1 Axes>"],
            },
          },
        ],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(nb));
}
