// Renderings of real office files written by generator libraries (exceljs, docx, pptxgenjs), and the
// hostile-file limits, each with a file built to break it.
import { randomBytes } from "node:crypto";
import { unzipSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { addressAt, renderArtifact, renderFormatOf } from "../../src/render/render.js";
import { DEFAULT_RENDER_LIMITS, RenderError, type RenderLimits } from "../../src/render/types.js";
import { readFileSync } from "node:fs";
import { MAX_IMAGE_BYTES } from "../../src/render/image.js";
import { MAX_PICTURES } from "../../src/render/pictures.js";
import {
  deck,
  dcfWorkbook,
  notebook,
  pdfOfPages,
  pictureDeck,
  pictureDocument,
  plotNotebook,
  PNG,
  reportDocument,
} from "../support/office.js";

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../fixtures/office/${name}`, import.meta.url)));

const limits = (over: Partial<RenderLimits> = {}): RenderLimits => ({
  ...DEFAULT_RENDER_LIMITS,
  now: () => Date.now(),
  ...over,
});

async function refusal(run: () => Promise<unknown>): Promise<RenderError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof RenderError) return error;
    throw error;
  }
  throw new Error("rendered, but a limit should have refused it");
}

describe("renderings (SPEC §9)", () => {
  it("a workbook: sheets, hidden sheets, used ranges, defined names, shown values and formulas", async () => {
    const { text } = await renderArtifact("xlsx", await dcfWorkbook({ terminalGrowth: 0.02 }), limits());
    expect(text).toContain("# Workbook: 3 sheets (Assumptions, DCF, Scratch)");
    expect(text).toContain("- WACC = Assumptions!$B$6");
    expect(text).toContain('## Sheet "Assumptions" — used range A1:C6');
    expect(text).toContain("Assumptions!B5 = 2.0% (0.02)");
    expect(text).toContain("Assumptions!C5 = Long-term GDP growth 2.0%");
    expect(text).toContain("Assumptions!B6 = 8.5% (0.085) [formula =B2*B4+B3*(1-B4)]");
    expect(text).toContain("DCF!D3 = 1900 [formula =D2*(1+Assumptions!B5)/(Assumptions!B6-Assumptions!B5)]");
    expect(text).toContain('## Sheet "Scratch" (hidden)');
    // Deterministic: the same bytes render the same text.
    const bytes = await dcfWorkbook({ terminalGrowth: 0.02 });
    expect((await renderArtifact("xlsx", bytes, limits())).text).toBe(
      (await renderArtifact("xlsx", bytes, limits())).text,
    );
  });

  it("a document: numbered paragraphs, headings, lists, tables, tracked changes and comments", async () => {
    const { text } = await renderArtifact("docx", await reportDocument({ withRisks: true }), limits());
    expect(text).toContain("(paragraph 1) # Quarterly report");
    expect(text).toContain("(paragraph 2) # Summary");
    expect(text).toContain("(paragraph 3) Revenue grew 12% over the quarter.");
    expect(text).toContain("  [comment by Reviewer: Source?]");
    expect(text).toContain("(paragraph 4) Margins were {-flat-}{+up 2 points+}.");
    expect(text).toContain("(paragraph 6) - Currency exposure in the EU segment.");
    expect(text).toContain("(table 1)\n| Metric | Q3 |\n| Revenue | 1.2M |");
  });

  it("a deck: slides in order with titles, text, tables and speaker notes", async () => {
    const { text } = await renderArtifact("pptx", await deck({ withAgenda: true }), limits());
    expect(text).toContain("# Deck: 3 slides");
    expect(text).toContain("## slide 1\nLaunch plan");
    expect(text).toContain(
      "## slide 2\nAgenda: scope, dates, owners\nSpeaker notes:\n  Mention the hiring freeze.",
    );
    expect(text).toContain("## slide 3\n[table]\n| Owner | Date |\n| Ann | 2027-03-01 |");
  });

  it("a notebook: cells with their sources, outputs and errors (no terminal colour codes)", async () => {
    const { text } = await renderArtifact("ipynb", notebook(), limits());
    expect(text).toContain("## cell 1 (markdown)\n# Churn analysis");
    expect(text).toContain("## cell 2 (code)\ndf = load()\ndf.churn.mean()\n### output\n0.042");
    expect(text).toContain("NameError: name 'plot' is not defined");
    expect(text).not.toContain("\u001b[");
  });

  it("a PDF: text per page", async () => {
    const { text } = await renderArtifact(
      "pdf",
      await pdfOfPages(["Summary\nAll green.", "Risks\nNone known."]),
      limits(),
    );
    expect(text).toContain("# PDF: 2 pages");
    expect(text).toMatch(/## page 1\nSummary\s+All green\./);
    expect(text).toMatch(/## page 2\nRisks\s+None known\./);
    expect(addressAt("pdf", text, text.split("\n").findIndex((l) => l.includes("None known")) + 1)).toBe(
      "page 2",
    );
  });

  it("files from another producer: LibreOffice's workbook, document, deck and PDF (committed fixtures)", async () => {
    const xlsx = (await renderArtifact("xlsx", fixture("libreoffice-model.xlsx"), limits())).text;
    expect(xlsx).toContain("Assumptions!B3 = 2.0% (0.02)");
    expect(xlsx).toContain("Assumptions!B4 = 4.0% (0.04) [formula =B3*2]");
    expect(xlsx).toContain('Summary!B1 = ok [formula =IF(Assumptions!B3<=0.025,"ok","too high")]');
    const docx = (await renderArtifact("docx", fixture("libreoffice-report.docx"), limits())).text;
    expect(docx).toContain("(paragraph 1) # Incident review");
    expect(docx).toContain("(paragraph 3) ## Actions");
    expect(docx).toContain("(paragraph 4) - Add an alert on queue depth.");
    expect(docx).toContain("| 10:02 | Alert fired |");
    const pptx = (await renderArtifact("pptx", fixture("libreoffice-deck.pptx"), limits())).text;
    expect(pptx).toContain("## slide 2\nResults\nUptime 99.95%\nTwo incidents, both reviewed");
    // LibreOffice writes speaker notes in a text box, not a body placeholder.
    expect(pptx).toContain("Speaker notes:\n  Thank the on-call engineers.");
    const pdf = (await renderArtifact("pdf", fixture("libreoffice-report.pdf"), limits())).text;
    expect(pdf).toContain("## page 1\nIncident review\nThe outage lasted 42 minutes on 2026-11-03.");
  });

  it("locates evidence by its address", async () => {
    const xlsx = (await renderArtifact("xlsx", await dcfWorkbook({ terminalGrowth: 0.02 }), limits())).text;
    const line = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    expect(addressAt("xlsx", xlsx, line(xlsx, "Terminal growth"))).toBe("Assumptions!A5");
    expect(addressAt("xlsx", xlsx, line(xlsx, "# Workbook"))).toBeNull();
    const docx = (await renderArtifact("docx", await reportDocument({ withRisks: true }), limits())).text;
    expect(addressAt("docx", docx, line(docx, "Revenue grew"))).toBe("paragraph 3");
    const pptx = (await renderArtifact("pptx", await deck({ withAgenda: true }), limits())).text;
    expect(addressAt("pptx", pptx, line(pptx, "hiring freeze"))).toBe("slide 2");
    const ipynb = (await renderArtifact("ipynb", notebook(), limits())).text;
    expect(addressAt("ipynb", ipynb, line(ipynb, "0.042"))).toBe("cell 2");
    expect(renderFormatOf("out/Model.XLSX")).toBe("xlsx");
    expect(renderFormatOf("docs/guide.md")).toBeNull();
  });
});

describe("hostile files are refused within the limits, never expanded", () => {
  const workbookXml = new TextEncoder().encode('<workbook xmlns="x"><sheets/></workbook>');

  it("a zip bomb: an entry that expands far beyond its compressed size", async () => {
    const bomb = zipSync(
      { "xl/workbook.xml": workbookXml, "xl/worksheets/sheet1.xml": new Uint8Array(30 * 1024 * 1024) },
      { level: 9 },
    );
    expect(bomb.length).toBeLessThan(200_000);
    const error = await refusal(() => renderArtifact("xlsx", bomb, limits()));
    expect(error.kind).toBe("limit");
    expect(error.message).toMatch(/expands \d+-fold \(limit 200\)/);
  });

  it("too many entries, and too many bytes in all", async () => {
    const many: Record<string, Uint8Array> = { "xl/workbook.xml": workbookXml };
    for (let i = 0; i < 120; i++) many[`xl/media/image${i}.png`] = new Uint8Array([i]);
    expect(
      (await refusal(() => renderArtifact("xlsx", zipSync(many), limits({ maxEntries: 100 })))).message,
    ).toContain("more than 100 zip entries");
    const big = zipSync(
      {
        "xl/workbook.xml": workbookXml,
        "xl/worksheets/sheet1.xml": new TextEncoder().encode("<x>" + "a1b2c3d4".repeat(20_000) + "</x>"),
      },
      { level: 0 },
    );
    expect(
      (await refusal(() => renderArtifact("xlsx", big, limits({ maxUncompressedBytes: 100_000 })))).message,
    ).toContain("more than 100000 bytes uncompressed");
  });

  it("an XML document type declaration (external entities, entity expansion) is refused", async () => {
    const xxe = new TextEncoder().encode(
      '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><workbook><sheets><sheet name="&x;"/></sheets></workbook>',
    );
    const error = await refusal(() => renderArtifact("xlsx", zipSync({ "xl/workbook.xml": xxe }), limits()));
    expect(error).toMatchObject({ kind: "malformed" });
    expect(error.message).toContain("document type declaration");
  });

  it("not a PDF", async () => {
    expect(
      (await refusal(() => renderArtifact("pdf", new TextEncoder().encode("%PDF-1.7 garbage"), limits())))
        .kind,
    ).toBe("malformed");
  });

  it("not a container of its format, and a rendering over the size the judge may be sent", async () => {
    expect(
      (await refusal(() => renderArtifact("docx", new TextEncoder().encode("plain text"), limits()))).kind,
    ).toBe("malformed");
    expect(
      (await refusal(() => renderArtifact("pptx", zipSync({ "a.txt": workbookXml }), limits()))).message,
    ).toContain("not a deck");
    const bytes = await dcfWorkbook({ terminalGrowth: 0.02 });
    expect((await refusal(() => renderArtifact("xlsx", bytes, limits({ maxChars: 100 })))).message).toContain(
      "over the limit of 100",
    );
  });

  it("a rendering that runs out of time stops between pieces", async () => {
    let t = 0;
    const slow = limits({ timeMs: 5, now: () => (t += 10) });
    expect(
      (
        await refusal(() =>
          renderArtifact(
            "xlsx",
            zipSync({
              "xl/workbook.xml": new TextEncoder().encode(
                '<workbook><sheets><sheet name="A" r:id="r1"/></sheets></workbook>',
              ),
            }),
            slow,
          ),
        )
      ).message,
    ).toContain("took longer than");
  });
});

describe("pictures inside decks, documents and notebooks (SPEC §9)", () => {
  it("are attached as image inputs in reading order, each named in the rendering with its alt text", async () => {
    const pptx = await renderArtifact("pptx", await pictureDeck(2), limits());
    expect(pptx.text).toContain("## slide 1\nFigure 1\n[picture 1: Chart 1]");
    expect(pptx.text).toContain("## slide 2\nFigure 2\n[picture 2: Chart 2]");
    expect(pptx.images.map((i) => [i.mediaType, Buffer.from(i.data, "base64").equals(PNG)])).toEqual([
      ["image/png", true],
      ["image/png", true],
    ]);
    const docx = await renderArtifact("docx", await pictureDocument(1), limits());
    expect(docx.text).toContain("(paragraph 1) Figure 1: [picture 1: Diagram 1]");
    expect(docx.images).toHaveLength(1);
    const ipynb = await renderArtifact("ipynb", plotNotebook(), limits());
    expect(ipynb.text).toContain("### output\n[picture 1: <Figure size 640x480 with 1 Axes>]");
    expect(Buffer.from(ipynb.images[0]!.data, "base64").equals(PNG)).toBe(true);
  });

  it("beyond the count limit, a picture is named as not attached — never dropped silently", async () => {
    const { text, images } = await renderArtifact("pptx", await pictureDeck(MAX_PICTURES + 2), limits());
    expect(images).toHaveLength(MAX_PICTURES);
    expect(text).toContain(`[picture ${MAX_PICTURES}: Chart ${MAX_PICTURES}]`);
    expect(text).toContain(
      `[picture ${MAX_PICTURES + 1}, not attached (over the limit of ${MAX_PICTURES} pictures per file): Chart ${MAX_PICTURES + 1}]`,
    );
  });

  it("a picture of a type no judge takes, one that is not what it claims, and one over the size limit are named, not sent", async () => {
    // The deck's media parts replaced as another producer (or an attacker) might write them.
    const files = unzipSync(await pictureDeck(3));
    const media = Object.keys(files)
      .filter((n) => /^ppt\/media\/.+\.png$/.test(n))
      .sort();
    expect(media).toHaveLength(3);
    const emf = media[0]!.replace(/\.png$/, ".emf");
    files[emf] = files[media[0]!]!;
    Reflect.deleteProperty(files, media[0]!);
    for (const [name, data] of Object.entries(files)) {
      if (name.startsWith("ppt/slides/_rels/")) {
        files[name] = new TextEncoder().encode(
          new TextDecoder().decode(data).replace(media[0]!.slice("ppt/".length), emf.slice("ppt/".length)),
        );
      }
    }
    files[media[1]!] = new TextEncoder().encode("<svg/> pretending to be a PNG");
    // Random bytes: incompressible, so the size limit is what refuses it, not the ratio limit.
    files[media[2]!] = new Uint8Array([...PNG.subarray(0, 16), ...randomBytes(MAX_IMAGE_BYTES)]);
    const { text, images } = await renderArtifact("pptx", zipSync(files), limits());
    expect(images).toEqual([]);
    expect(text).toContain("[picture 1, not attached (image/x-emf is not a type judges take): Chart 1]");
    expect(text).toContain("[picture 2, not attached (not a PNG, JPEG, GIF or WebP picture): Chart 2]");
    expect(text).toMatch(
      /\[picture 3, not attached \(\d+ bytes, over the limit of 5242880 per picture\): Chart 3\]/,
    );
  });
});
