import { attr, childrenOf, findAll, first, parseXml, tagOf, textOf, type XmlNode } from "./xml.js";
import { mediaTypeOfPart, Pictures } from "./pictures.js";
import { readPart, readZip, relationships, text } from "./zip.js";
import type { ImageInput } from "../ports/models.js";
import { checkTime, RenderError, type RenderLimits } from "./types.js";

/**
 * A deck as text (SPEC §9), per slide (`## slide N`): its title, text in document order, tables,
 * pictures with their alt text (attached as image inputs within the limits of `Pictures`), and the
 * speaker notes.
 */
export function renderPptx(bytes: Uint8Array, limits: RenderLimits): { text: string; images: ImageInput[] } {
  const started = limits.now();
  const entries = readZip(bytes, limits, (name) =>
    /^ppt\/(presentation\.xml|_rels\/presentation\.xml\.rels|slides\/[^/]+\.xml|slides\/_rels\/[^/]+\.rels|notesSlides\/[^/]+\.xml)$/.test(
      name,
    ),
  );
  const xml = text(entries, "ppt/presentation.xml");
  if (xml === null)
    throw new RenderError("malformed", "the file has no ppt/presentation.xml: it is not a deck");
  const targets = relationships(text(entries, "ppt/_rels/presentation.xml.rels"), "ppt/");
  const slides = findAll(parseXml(xml, "ppt/presentation.xml"), "p:sldId").map(
    (s) => targets.get(attr(s, "r:id") ?? "") ?? "",
  );
  const lines: string[] = [`# Deck: ${slides.length} slide${slides.length === 1 ? "" : "s"}`];
  const pictures = new Pictures();
  for (const [index, part] of slides.entries()) {
    checkTime(limits, started);
    const slideXml = text(entries, part);
    if (slideXml === null) {
      lines.push("", `## slide ${index + 1}: its part ${part} is missing`);
      continue;
    }
    const tree = first(parseXml(slideXml, part), "p:spTree");
    const shapes = tree ? childrenOf(tree) : [];
    const title = shapes.find(isTitle);
    lines.push("", `## slide ${index + 1}${title ? `: ${paragraphs(title).join(" ")}` : ""}`);
    const name = part.slice(part.lastIndexOf("/") + 1);
    const rels = relationships(text(entries, `ppt/slides/_rels/${name}.rels`), "ppt/slides/");
    const picture = (id: string, alt: string): string => {
      const target = rels.get(id);
      return pictures.add(alt, target === undefined ? null : mediaTypeOfPart(target), () =>
        target === undefined
          ? { unreadable: "its relationship is missing or external" }
          : readPart(bytes, limits, target),
      );
    };
    for (const shape of shapes) renderShape(shape, title, lines, picture);
    const notesPart = [...rels.values()].find((t) => t.includes("notesSlides/"));
    const notesXml = notesPart === undefined ? null : text(entries, notesPart);
    if (notesPart !== undefined && notesXml !== null) {
      const notes = findAll(parseXml(notesXml, notesPart), "p:sp")
        // The notes text: a body placeholder (PowerPoint, pptxgenjs) or a plain text box (LibreOffice);
        // never the slide's thumbnail, number, header, footer or date.
        .filter((sp) => !NOTES_CHROME.has(placeholderType(sp) ?? ""))
        .flatMap(paragraphs)
        .filter((t) => t.trim() !== "");
      if (notes.length > 0) lines.push("Speaker notes:", ...notes.map((t) => `  ${t}`));
    }
  }
  return { text: lines.join("\n") + "\n", images: pictures.images };
}

function renderShape(
  shape: XmlNode,
  title: XmlNode | undefined,
  lines: string[],
  picture: (id: string, alt: string) => string,
): void {
  const tag = tagOf(shape);
  if (tag === "p:sp" && shape !== title) {
    for (const t of paragraphs(shape)) if (t.trim() !== "") lines.push(t);
  } else if (tag === "p:pic") {
    const props = first(childrenOf(shape), "p:cNvPr");
    const alt = props ? (attr(props, "descr") ?? attr(props, "title") ?? "") : "";
    const blip = first(childrenOf(shape), "a:blip");
    lines.push(picture(blip ? (attr(blip, "r:embed") ?? attr(blip, "r:link") ?? "") : "", alt));
  } else if (tag === "p:graphicFrame") {
    const table = first(childrenOf(shape), "a:tbl");
    if (table) {
      lines.push("[table]");
      for (const row of findAll(childrenOf(table), "a:tr")) {
        const cells = childrenOf(row)
          .filter((n) => tagOf(n) === "a:tc")
          .map((c) => paragraphs(c).join(" ").replace(/\|/g, "\\|"));
        lines.push(`| ${cells.join(" | ")} |`);
      }
    }
  } else if (tag === "p:grpSp") {
    for (const child of childrenOf(shape)) renderShape(child, title, lines, picture);
  }
}

function placeholderType(shape: XmlNode): string | null {
  const ph = first(childrenOf(shape), "p:ph");
  return ph ? (attr(ph, "type") ?? "body") : null;
}

function isTitle(shape: XmlNode): boolean {
  const type = placeholderType(shape);
  return tagOf(shape) === "p:sp" && (type === "title" || type === "ctrTitle");
}

/** The text of each `a:p` paragraph of a shape. */
function paragraphs(shape: XmlNode): string[] {
  return findAll(childrenOf(shape), "a:p").map((p) =>
    childrenOf(p)
      .map((n) =>
        tagOf(n) === "a:br"
          ? " "
          : tagOf(n) === "a:r" || tagOf(n) === "a:fld"
            ? textOf(findAll(childrenOf(n), "a:t"))
            : "",
      )
      .join(""),
  );
}

const NOTES_CHROME = new Set(["sldImg", "sldNum", "hdr", "ftr", "dt"]);
