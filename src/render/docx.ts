import { attr, childrenOf, findAll, first, parseXml, tagOf, textOf, type XmlNode } from "./xml.js";
import { mediaTypeOfPart, Pictures } from "./pictures.js";
import { readPart, readZip, relationships, text } from "./zip.js";
import { checkTime, RenderError, type RenderLimits } from "./types.js";
import type { ImageInput } from "../ports/models.js";

/**
 * A document as markdown (SPEC §9): headings, lists and tables; every body paragraph numbered
 * `(paragraph N)`; tracked insertions as `{+…+}` and deletions as `{-…-}`; comments after the
 * paragraph they are anchored in; pictures as `[picture N: alt text]`, attached as image inputs
 * within the limits of `Pictures`.
 */
export function renderDocx(bytes: Uint8Array, limits: RenderLimits): { text: string; images: ImageInput[] } {
  const started = limits.now();
  const entries = readZip(bytes, limits, (name) =>
    ["word/document.xml", "word/comments.xml", "word/_rels/document.xml.rels"].includes(name),
  );
  const xml = text(entries, "word/document.xml");
  if (xml === null)
    throw new RenderError("malformed", "the file has no word/document.xml: it is not a document");
  const body = first(parseXml(xml, "word/document.xml"), "w:body");
  const pictures = new Pictures();
  const targets = relationships(text(entries, "word/_rels/document.xml.rels"), "word/");
  const inline = (nodes: XmlNode[]): string =>
    inlineText(nodes, (id, alt) => {
      const part = targets.get(id);
      return pictures.add(alt, part === undefined ? null : mediaTypeOfPart(part), () =>
        part === undefined
          ? { unreadable: "its relationship is missing or external" }
          : readPart(bytes, limits, part),
      );
    });
  const paragraphText = (p: XmlNode) => paragraphParts(p, inline);
  // A comment's pictures are named, not sent: the document's own pictures keep their reading order.
  const comments = commentsById(text(entries, "word/comments.xml"), (nodes) =>
    inlineText(nodes, (_, alt) => `[picture in a comment${alt.trim() ? `: ${alt.trim()}` : ""}]`),
  );
  const lines: string[] = [];
  let paragraph = 0;
  let table = 0;
  const walk = (nodes: XmlNode[]): void => {
    for (const node of nodes) {
      const tag = tagOf(node);
      if (tag === "w:p") {
        const line = paragraphText(node);
        const anchored = findAll([node], "w:commentRangeStart").map((c) =>
          comments.get(attr(c, "w:id") ?? ""),
        );
        if (line.text.trim() === "" && anchored.length === 0) continue;
        paragraph++;
        if (paragraph % 100 === 0) checkTime(limits, started);
        lines.push(`(paragraph ${paragraph}) ${line.prefix}${line.text}`);
        for (const comment of anchored)
          if (comment) lines.push(`  [comment by ${comment.author}: ${comment.text}]`);
      } else if (tag === "w:tbl") {
        table++;
        lines.push(`(table ${table})`);
        for (const row of childrenOf(node).filter((n) => tagOf(n) === "w:tr")) {
          const cells = childrenOf(row)
            .filter((n) => tagOf(n) === "w:tc")
            .map((cell) =>
              findAll(childrenOf(cell), "w:p")
                .map((p) => paragraphText(p).text)
                .join(" ")
                .replace(/\|/g, "\\|"),
            );
          lines.push(`| ${cells.join(" | ")} |`);
        }
      } else if (tag === "w:sdt" || tag === "w:sdtContent" || tag === "w:customXml") {
        walk(childrenOf(node));
      }
    }
  };
  walk(body ? childrenOf(body) : []);
  return { text: lines.join("\n") + "\n", images: pictures.images };
}

type Inline = (nodes: XmlNode[]) => string;

function paragraphParts(p: XmlNode, inline: Inline): { prefix: string; text: string } {
  const props = childrenOf(p).find((n) => tagOf(n) === "w:pPr");
  const style = props ? (attr(first(childrenOf(props), "w:pStyle") ?? {}, "w:val") ?? "") : "";
  const heading = /^(?:heading|Heading)\s?(\d)$/.exec(style)?.[1];
  const prefix =
    style === "Title"
      ? "# "
      : heading
        ? `${"#".repeat(Number(heading))} `
        : props && first(childrenOf(props), "w:numPr")
          ? "- "
          : "";
  return { prefix, text: inline(childrenOf(p)) };
}

/** A run of inline content as text; `picture(relationship id, alt text)` gives a picture's placeholder. */
function inlineText(nodes: XmlNode[], picture: (id: string, alt: string) => string): string {
  let out = "";
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === "w:t") out += textOf(childrenOf(node));
    else if (tag === "w:tab") out += "\t";
    else if (tag === "w:br" || tag === "w:cr") out += " ";
    else if (tag === "w:ins") out += `{+${inlineText(childrenOf(node), picture)}+}`;
    else if (tag === "w:del") out += `{-${textOf(findAll(childrenOf(node), "w:delText"))}-}`;
    else if (tag === "w:drawing") {
      const doc = first(childrenOf(node), "wp:docPr");
      const alt = doc ? (attr(doc, "descr") ?? attr(doc, "title") ?? attr(doc, "name") ?? "") : "";
      const blip = first(childrenOf(node), "a:blip");
      out += picture(blip ? (attr(blip, "r:embed") ?? attr(blip, "r:link") ?? "") : "", alt);
    } else if (tag === "w:pict") {
      // A legacy VML picture: its alt text on the shape, its part on the image data.
      const shape = first(childrenOf(node), "v:shape");
      const data = first(childrenOf(node), "v:imagedata");
      out += picture(data ? (attr(data, "r:id") ?? "") : "", shape ? (attr(shape, "alt") ?? "") : "");
    } else if (tag === "w:pPr" || tag === "w:rPr") continue;
    else out += inlineText(childrenOf(node), picture);
  }
  return out;
}

function commentsById(xml: string | null, inline: Inline): Map<string, { author: string; text: string }> {
  const out = new Map<string, { author: string; text: string }>();
  if (xml === null) return out;
  for (const c of findAll(parseXml(xml, "word/comments.xml"), "w:comment")) {
    const paragraphs = findAll(childrenOf(c), "w:p").map((p) => inline(childrenOf(p)));
    out.set(attr(c, "w:id") ?? "", { author: attr(c, "w:author") ?? "unknown", text: paragraphs.join(" ") });
  }
  return out;
}
