import { parseXml, attr, childrenOf, findAll, first, tagOf, textOf, type XmlNode } from "./xml.js";
import { readZip, relationships, text } from "./zip.js";
import { checkTime, RenderError, type RenderLimits } from "./types.js";

/**
 * A workbook as text (SPEC §9): per sheet its name, whether it is hidden, its used range; the defined
 * names; every non-empty cell as `Sheet!A1 = shown value`, with its formula when it has one.
 */
export function renderXlsx(bytes: Uint8Array, limits: RenderLimits): string {
  const started = limits.now();
  const entries = readZip(bytes, limits, (name) =>
    /^xl\/(workbook\.xml|_rels\/workbook\.xml\.rels|sharedStrings\.xml|styles\.xml|worksheets\/[^/]+\.xml)$/.test(
      name,
    ),
  );
  const workbookXml = text(entries, "xl/workbook.xml");
  if (workbookXml === null)
    throw new RenderError("malformed", "the file has no xl/workbook.xml: it is not a workbook");
  const workbook = parseXml(workbookXml, "xl/workbook.xml");
  const targets = relationships(text(entries, "xl/_rels/workbook.xml.rels"), "xl/");
  const shared = sharedStrings(text(entries, "xl/sharedStrings.xml"));
  const formats = numberFormats(text(entries, "xl/styles.xml"));

  const sheets = findAll(workbook, "sheet").map((node) => ({
    name: attr(node, "name") ?? "?",
    hidden: (attr(node, "state") ?? "visible") !== "visible",
    part: targets.get(attr(node, "r:id") ?? "") ?? "",
  }));
  const lines: string[] = [
    `# Workbook: ${sheets.length} sheet${sheets.length === 1 ? "" : "s"} (${sheets.map((s) => s.name).join(", ")})`,
  ];
  const names = findAll(workbook, "definedName");
  if (names.length > 0) {
    lines.push("", "Defined names:");
    for (const node of names) {
      const hidden = attr(node, "hidden") === "1" ? " (hidden)" : "";
      lines.push(`- ${attr(node, "name") ?? "?"}${hidden} = ${textOf(childrenOf(node))}`);
    }
  }
  let chars = lines.join("\n").length;
  for (const sheet of sheets) {
    checkTime(limits, started);
    const xml = text(entries, sheet.part);
    const prefix = sheetRef(sheet.name);
    if (xml === null) {
      lines.push("", `## Sheet ${JSON.stringify(sheet.name)}: its part ${sheet.part} is missing`);
      continue;
    }
    const doc = parseXml(xml, sheet.part);
    const range = attr(first(doc, "dimension") ?? {}, "ref") ?? "";
    lines.push(
      "",
      `## Sheet ${JSON.stringify(sheet.name)}${sheet.hidden ? " (hidden)" : ""}${range ? ` — used range ${range}` : ""}`,
    );
    const masters = new Map<string, { cell: string; formula: string }>();
    let rows = 0;
    for (const row of findAll(doc, "row")) {
      if (++rows % 200 === 0) checkTime(limits, started);
      for (const cell of childrenOf(row).filter((n) => tagOf(n) === "c")) {
        const ref = attr(cell, "r") ?? "?";
        const parts = childrenOf(cell);
        const f = parts.find((n) => tagOf(n) === "f");
        let formula = f ? textOf(childrenOf(f)) : "";
        if (f && attr(f, "t") === "shared") {
          const si = attr(f, "si") ?? "";
          const master = masters.get(si);
          if (formula) masters.set(si, { cell: ref, formula });
          else if (master) formula = `${master.formula} (shared from ${master.cell})`;
        }
        const shown = shownValue(cell, parts, shared, formats);
        if (shown === "" && !formula) continue;
        const line = `${prefix}!${ref} = ${shown}${formula ? ` [formula =${formula}]` : ""}`;
        lines.push(line);
        // Stop as soon as the rendering is over the cap, rather than render it all to refuse it.
        chars += line.length + 1;
        if (chars > limits.maxChars) {
          throw new RenderError("limit", `the rendering is over the limit of ${limits.maxChars} characters`);
        }
      }
    }
  }
  return lines.join("\n") + "\n";
}

/** `Sheet` or `'My Sheet'`, as Excel writes a reference to another sheet. */
function sheetRef(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

function sharedStrings(xml: string | null): string[] {
  if (xml === null) return [];
  return findAll(parseXml(xml, "xl/sharedStrings.xml"), "si").map((si) =>
    // Phonetic runs (rPh) are not part of the shown text.
    textOf(childrenOf(si).filter((n) => tagOf(n) !== "rPh")),
  );
}

/** Number format code per cell style index. */
function numberFormats(xml: string | null): string[] {
  if (xml === null) return [];
  const doc = parseXml(xml, "xl/styles.xml");
  const custom = new Map<string, string>();
  for (const f of findAll(doc, "numFmt")) custom.set(attr(f, "numFmtId") ?? "", attr(f, "formatCode") ?? "");
  const cellXfs = first(doc, "cellXfs");
  return (cellXfs ? childrenOf(cellXfs).filter((n) => tagOf(n) === "xf") : []).map((xf) => {
    const id = attr(xf, "numFmtId") ?? "0";
    return custom.get(id) ?? BUILTIN_FORMATS[id] ?? "General";
  });
}

const BUILTIN_FORMATS: Record<string, string> = {
  "1": "0",
  "2": "0.00",
  "3": "#,##0",
  "4": "#,##0.00",
  "9": "0%",
  "10": "0.00%",
  "14": "yyyy-mm-dd",
  "15": "d-mmm-yy",
  "16": "d-mmm",
  "17": "mmm-yy",
  "22": "yyyy-mm-dd h:mm",
};

function shownValue(cell: XmlNode, parts: XmlNode[], shared: string[], formats: string[]): string {
  const type = attr(cell, "t") ?? "n";
  const v = parts.find((n) => tagOf(n) === "v");
  const raw = v ? textOf(childrenOf(v)) : "";
  switch (type) {
    case "s":
      return shared[Number(raw)] ?? "";
    case "inlineStr": {
      const is = parts.find((n) => tagOf(n) === "is");
      return is ? textOf(childrenOf(is)) : "";
    }
    case "str":
      return raw;
    case "b":
      return raw === "1" ? "TRUE" : "FALSE";
    case "e":
      return raw;
    default: {
      if (raw === "") return "";
      const format = formats[Number(attr(cell, "s") ?? "0")] ?? "General";
      return formatNumber(Number(raw), raw, format);
    }
  }
}

/** Percentages and dates as shown; other numbers as stored (no rounding away of what the model computed). */
function formatNumber(value: number, raw: string, format: string): string {
  if (!Number.isFinite(value)) return raw;
  const plain = format.replace(/"[^"]*"|\[[^\]]*\]|\\./g, "");
  if (plain.includes("%")) {
    const decimals = /0\.(0+)%/.exec(plain)?.[1]?.length ?? 0;
    return `${(value * 100).toFixed(decimals)}% (${raw})`;
  }
  if (/[dy]/i.test(plain) && !/^general$/i.test(plain)) {
    // Excel's serial dates: days since 1899-12-30.
    const ms = Math.round((value - 25569) * 86_400_000);
    const date = new Date(ms);
    if (!Number.isNaN(date.getTime())) {
      const iso = date.toISOString();
      return value % 1 === 0 ? iso.slice(0, 10) : iso.slice(0, 16).replace("T", " ");
    }
  }
  return raw;
}
