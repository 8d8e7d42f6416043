import { XMLParser } from "fast-xml-parser";
import { RenderError } from "./types.js";

/** An XML element in document order: `{ tag: [children], ":@": { attributes } }` (fast-xml-parser's ordered form). */
export type XmlNode = Record<string, unknown>;

const OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Only the five predefined entities and character references; no DOCTYPE is accepted at all.
  processEntities: true,
  htmlEntities: false,
} as const;

const parser = new XMLParser(OPTIONS);

/** The same, with namespace prefixes dropped from tag and attribute names (`x:sheet` → `sheet`, `r:id` → `id`). */
const localParser = new XMLParser({ ...OPTIONS, removeNSPrefix: true });

/**
 * Parses one part of an OOXML package. A document type declaration is refused outright: OOXML never
 * has one, and it is how external entities and entity expansion attacks get in.
 */
export function parseXml(source: string, part: string, options: { localNames?: boolean } = {}): XmlNode[] {
  refuseDoctype(source, part);
  try {
    return (options.localNames ? localParser : parser).parse(source) as XmlNode[];
  } catch (error) {
    throw new RenderError("malformed", `${part} is not well-formed XML (${(error as Error).message})`);
  }
}

/** OOXML never has a document type declaration; one is how external entities and entity expansion get in. */
export function refuseDoctype(source: string, part: string): void {
  if (/<!DOCTYPE/i.test(source)) {
    throw new RenderError("malformed", `${part} has a document type declaration, which is not allowed`);
  }
}

/** The tag name of an ordered node (its one key other than ":@"). */
export function tagOf(node: XmlNode): string {
  for (const key of Object.keys(node)) if (key !== ":@") return key;
  return "";
}

export function childrenOf(node: XmlNode): XmlNode[] {
  const value = node[tagOf(node)];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

export function attr(node: XmlNode, name: string): string | undefined {
  const attributes = node[":@"] as Record<string, string> | undefined;
  return attributes?.[name];
}

/** Every descendant (depth first, document order) whose tag is `tag`. */
export function findAll(nodes: XmlNode[], tag: string, out: XmlNode[] = []): XmlNode[] {
  for (const node of nodes) {
    if (tagOf(node) === tag) out.push(node);
    findAll(childrenOf(node), tag, out);
  }
  return out;
}

export function first(nodes: XmlNode[], tag: string): XmlNode | undefined {
  for (const node of nodes) {
    if (tagOf(node) === tag) return node;
    const found = first(childrenOf(node), tag);
    if (found) return found;
  }
  return undefined;
}

/** The concatenated text of a subtree (`#text` nodes). */
export function textOf(nodes: XmlNode[]): string {
  let out = "";
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === "#text") {
      const value = node["#text"];
      out += typeof value === "string" || typeof value === "number" ? String(value) : "";
    } else out += textOf(childrenOf(node));
  }
  return out;
}
