/**
 * Linear scanners for the two parts of a workbook that grow with its data — worksheets and the shared
 * string table. A 1 MB workbook renders in 0.7 s this way, where building a tree of its sheet took
 * 4.8 s (bench/RESULTS.md). The scanners read SpreadsheetML's regular shape (`row` > `c` > `f`, `v`, `is`),
 * with or without a namespace prefix (`x:row`, as some producers write), and decode the predefined
 * XML entities, character references and OOXML's `_xHHHH_` escapes; they never expand anything else.
 */

/** One cell as stored: its column and row (1-based), type, style index, formula and stored value. */
export interface ScannedCell {
  col: number;
  row: number;
  /** `t`: `n` (number, the default), `s` (shared string), `str`, `inlineStr`, `b`, `e`. */
  type: string;
  style: number;
  formula: { text: string; shared: boolean; si: string } | null;
  /** The `v` element's text. */
  value: string;
  /** The text of an inline string (`is`). */
  inline: string;
}

const P = "(?:[\\w.-]+:)?";
const ATTRS = `((?:[^>"'/]|"[^"]*"|'[^']*'|/(?!>))*)`;
const OPEN = "(?=[\\s/>])";
const element = (tag: string) =>
  new RegExp(`<${P}${tag}${OPEN}${ATTRS}(?:/>|>([\\s\\S]*?)</${P}${tag}\\s*>)`, "g");

const ROW = element("row");
const CELL = element("c");
const FORMULA = new RegExp(`<${P}f${OPEN}${ATTRS}(?:/>|>([\\s\\S]*?)</${P}f\\s*>)`);
const VALUE = new RegExp(`<${P}v${OPEN}[^>]*?(?:/>|>([\\s\\S]*?)</${P}v\\s*>)`);
const INLINE = new RegExp(`<${P}is${OPEN}[^>]*>([\\s\\S]*?)</${P}is\\s*>`);
const SHARED_ITEM = element("si");
const PHONETIC = new RegExp(`<${P}rPh${OPEN}[\\s\\S]*?</${P}rPh\\s*>`, "g");
const TEXT = new RegExp(`<${P}t${OPEN}[^>]*?(?:/>|>([\\s\\S]*?)</${P}t\\s*>)`, "g");
const ATTRIBUTE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const CELL_REF = /^\$?([A-Za-z]{1,3})\$?(\d+)$/;

/** Attributes by local name (`r:id` → `id`). */
export function attributes(source: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of source.matchAll(ATTRIBUTE)) {
    const name = m[1] ?? "";
    out.set(name.slice(name.indexOf(":") + 1), decodeXml(m[2] ?? m[3] ?? ""));
  }
  return out;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The five predefined entities and character references; anything else is left as written. */
export function decodeXml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g,
    (whole, name, dec, hex) => {
      if (name) return ENTITIES[name as string] ?? whole;
      const code = dec ? Number(dec) : parseInt(hex as string, 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}

/** OOXML's escape of characters XML cannot carry (`_x000D_` for a carriage return). */
function decodeOoxml(text: string): string {
  return text.includes("_x")
    ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : text;
}

/** The shown text of a string item (`si`, `is`): its runs, without phonetic guides. */
export function runText(xml: string): string {
  let out = "";
  for (const m of xml.replace(PHONETIC, "").matchAll(TEXT)) out += m[1] ?? "";
  return decodeOoxml(decodeXml(out));
}

/** The shared string table, in order. */
export function scanSharedStrings(xml: string): string[] {
  return [...xml.matchAll(SHARED_ITEM)].map((m) => runText(m[2] ?? ""));
}

/** `A` → 1, `AB` → 28. */
export function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** 1 → `A`, 28 → `AB`. */
export function columnName(index: number): string {
  let out = "";
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26))
    out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

/** How many cells a sheet part holds (a cheap count, to decide how to render it). */
export function countCells(xml: string): number {
  return xml.match(new RegExp(`<${P}c[\\s/>]`, "g"))?.length ?? 0;
}

/**
 * Every cell of a sheet part, in document order. A row or cell without its `r` attribute (which the
 * format allows) takes the position after the previous one. `onRow` is called per row, for a time check.
 */
export function* scanCells(xml: string, onRow: (rows: number) => void): Generator<ScannedCell> {
  let rowNumber = 0;
  let rows = 0;
  for (const rowMatch of xml.matchAll(ROW)) {
    onRow(++rows);
    const rowAttrs = attributes(rowMatch[1] ?? "");
    const r = Number(rowAttrs.get("r"));
    rowNumber = Number.isInteger(r) && r > 0 ? r : rowNumber + 1;
    let col = 0;
    for (const cellMatch of (rowMatch[2] ?? "").matchAll(CELL)) {
      const cellAttrs = attributes(cellMatch[1] ?? "");
      const ref = CELL_REF.exec(cellAttrs.get("r") ?? "");
      col = ref ? columnIndex(ref[1] ?? "A") : col + 1;
      const row = ref ? Number(ref[2]) : rowNumber;
      const body = cellMatch[2] ?? "";
      const f = body === "" ? null : FORMULA.exec(body);
      const fAttrs = f ? attributes(f[1] ?? "") : null;
      yield {
        col,
        row,
        type: cellAttrs.get("t") ?? "n",
        style: Number(cellAttrs.get("s") ?? "0") || 0,
        formula:
          f && fAttrs
            ? {
                text: decodeXml(f[2] ?? ""),
                shared: fAttrs.get("t") === "shared",
                si: fAttrs.get("si") ?? "",
              }
            : null,
        value: body === "" ? "" : decodeXml(VALUE.exec(body)?.[1] ?? ""),
        inline: body.includes("is") ? runText(INLINE.exec(body)?.[1] ?? "") : "",
      };
    }
  }
}
