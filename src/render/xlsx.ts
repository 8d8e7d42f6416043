import { attr, childrenOf, findAll, first, parseXml, refuseDoctype, tagOf, textOf } from "./xml.js";
import { columnName, countCells, scanCells, scanSharedStrings, type ScannedCell } from "./xlsx-scan.js";
import { readZip, relationships, text } from "./zip.js";
import { checkTime, RenderError, type RenderLimits } from "./types.js";

/** A sheet with more non-empty cells than this is rendered in part and summarised in part (SPEC §9). */
export const LARGE_SHEET_CELLS = 5_000;
/** Of a large sheet, the first rows are rendered in full. */
export const FULL_ROWS = 50;
/** Beyond the first rows, per column, up to this many labels (and formulas) are kept cell by cell. */
export const KEPT_PER_COLUMN = 100;

/**
 * A workbook as text (SPEC §9): per sheet its name, whether it is hidden, its used range; the defined
 * names; every non-empty cell as `Sheet!A1 = shown value`, with its formula when it has one. A large
 * sheet keeps its first rows in full; after them its numbers are summarised per column
 * (`Sheet!B51:B9000 = summary of …`), its labels and formulas kept unless a column holds too many.
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
  const workbook = parseXml(workbookXml, "xl/workbook.xml", { localNames: true });
  const targets = relationships(text(entries, "xl/_rels/workbook.xml.rels"), "xl/");
  const sharedXml = text(entries, "xl/sharedStrings.xml");
  if (sharedXml !== null) refuseDoctype(sharedXml, "xl/sharedStrings.xml");
  const shared = sharedXml === null ? [] : scanSharedStrings(sharedXml);
  const formats = numberFormats(text(entries, "xl/styles.xml"));

  const sheets = findAll(workbook, "sheet").map((node) => ({
    name: attr(node, "name") ?? "?",
    hidden: (attr(node, "state") ?? "visible") !== "visible",
    part: targets.get(attr(node, "id") ?? "") ?? "",
  }));
  const out = new Output(limits.maxChars);
  out.push(
    `# Workbook: ${sheets.length} sheet${sheets.length === 1 ? "" : "s"} (${sheets.map((s) => s.name).join(", ")})`,
  );
  const names = findAll(workbook, "definedName");
  if (names.length > 0) {
    out.push("", "Defined names:");
    for (const node of names) {
      const hidden = attr(node, "hidden") === "1" ? " (hidden)" : "";
      out.push(`- ${attr(node, "name") ?? "?"}${hidden} = ${textOf(childrenOf(node))}`);
    }
  }
  for (const sheet of sheets) {
    checkTime(limits, started);
    const xml = text(entries, sheet.part);
    if (xml === null) {
      out.push("", `## Sheet ${JSON.stringify(sheet.name)}: its part ${sheet.part} is missing`);
      continue;
    }
    refuseDoctype(xml, sheet.part);
    renderSheet(sheet, xml, { shared, formats }, out, () => {
      checkTime(limits, started);
    });
  }
  return out.text();
}

/** The rendering's lines, refused as soon as they pass the cap rather than rendered in full first. */
class Output {
  private readonly lines: string[] = [];
  private chars = 0;
  constructor(private readonly maxChars: number) {}
  push(...lines: string[]): void {
    for (const line of lines) {
      this.lines.push(line);
      this.chars += line.length + 1;
    }
    if (this.chars > this.maxChars) {
      throw new RenderError("limit", `the rendering is over the limit of ${this.maxChars} characters`);
    }
  }
  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

interface Styles {
  shared: string[];
  formats: string[];
}

function renderSheet(
  sheet: { name: string; hidden: boolean },
  xml: string,
  styles: Styles,
  out: Output,
  checkTime: () => void,
): void {
  const prefix = sheetRef(sheet.name);
  const range = /<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*"([^"]*)"/.exec(xml)?.[1] ?? "";
  const cells = countCells(xml);
  const large = cells > LARGE_SHEET_CELLS;
  out.push(
    "",
    `## Sheet ${JSON.stringify(sheet.name)}${sheet.hidden ? " (hidden)" : ""}${range ? ` — used range ${range}` : ""}`,
  );
  if (large) {
    out.push(
      `(${cells} cells: the first ${FULL_ROWS} rows in full; after them numbers are summarised per column, labels and formulas kept up to ${KEPT_PER_COLUMN} per column and summarised beyond)`,
    );
  }
  if (/<(?:[\w.-]+:)?drawing[\s/>]/.test(xml)) {
    out.push("(this sheet has drawings — charts or pictures — which are not rendered)");
  }
  const masters = new Map<string, { cell: string; formula: string }>();
  const tail = new Map<number, ColumnTail>();
  let rowsSeen = 0;
  let lastRow = -1;
  for (const cell of scanCells(xml, (rows) => {
    if (rows % 500 === 0) checkTime();
  })) {
    if (cell.row !== lastRow) {
      rowsSeen++;
      lastRow = cell.row;
    }
    const ref = `${columnName(cell.col)}${cell.row}`;
    let formula = cell.formula?.text ?? "";
    if (cell.formula?.shared) {
      const master = masters.get(cell.formula.si);
      if (formula) masters.set(cell.formula.si, { cell: ref, formula });
      else if (master) formula = `${master.formula} (shared from ${master.cell})`;
    }
    const shown = shownValue(cell, styles);
    if (shown === "" && !formula) continue;
    if (!large || rowsSeen <= FULL_ROWS) {
      out.push(cellLine(prefix, ref, shown, formula));
      continue;
    }
    let column = tail.get(cell.col);
    if (!column) tail.set(cell.col, (column = new ColumnTail()));
    column.add(cell, ref, shown, formula);
  }
  if (tail.size === 0) return;
  const kept: Array<{ row: number; col: number; line: string }> = [];
  const summaries: string[] = [];
  for (const [col, column] of [...tail.entries()].sort((a, b) => a[0] - b[0])) {
    for (const k of column.keptCells())
      kept.push({ ...k, col, line: cellLine(prefix, k.ref, k.shown, k.formula) });
    summaries.push(...column.summaries(prefix, columnName(col)));
  }
  kept.sort((a, b) => a.row - b.row || a.col - b.col);
  out.push(...kept.map((k) => k.line));
  out.push(...summaries);
}

function cellLine(prefix: string, ref: string, shown: string, formula: string): string {
  return `${prefix}!${ref} = ${shown}${formula ? ` [formula =${formula}]` : ""}`;
}

interface KeptCell {
  ref: string;
  row: number;
  shown: string;
  formula: string;
}

/** One column of a large sheet after its first rows: numbers summed up, labels and formulas kept while few. */
class ColumnTail {
  private readonly numbers = new Stats();
  private readonly formulaValues = new Stats();
  private readonly labels = new Kept();
  private readonly formulas = new Kept();

  add(cell: ScannedCell, ref: string, shown: string, formula: string): void {
    const kept: KeptCell = { ref, row: cell.row, shown, formula };
    if (formula) {
      this.formulas.add(kept);
      if (cell.type === "n" && cell.value !== "") this.formulaValues.add(Number(cell.value), cell.row);
    } else if (cell.type === "n" && cell.value !== "" && Number.isFinite(Number(cell.value))) {
      this.numbers.add(Number(cell.value), cell.row);
    } else {
      // Errors (#REF!, #DIV/0!) are kept however many there are: they are what a reviewer looks for.
      if (cell.type === "e") this.labels.keepAlways(kept);
      else this.labels.add(kept);
    }
  }

  keptCells(): KeptCell[] {
    return [...this.labels.cells(), ...this.formulas.cells()];
  }

  summaries(prefix: string, col: string): string[] {
    const out: string[] = [];
    const range = (first: number, last: number) => `${prefix}!${col}${first}:${col}${last}`;
    const n = this.numbers;
    if (n.count > 0) {
      out.push(
        `${range(n.firstRow, n.lastRow)} = summary of ${n.count} number${n.count === 1 ? "" : "s"}: min ${num(n.min)}, max ${num(n.max)}, sum ${num(n.sum)}`,
      );
    }
    const f = this.formulas;
    if (f.summarised && f.first && f.last) {
      const values =
        this.formulaValues.count > 0
          ? `; values min ${num(this.formulaValues.min)}, max ${num(this.formulaValues.max)}`
          : "";
      out.push(
        `${range(f.first.row, f.last.row)} = summary of ${f.count} formulas: first ${f.first.ref} [formula =${f.first.formula}], last ${f.last.ref} [formula =${f.last.formula}]${values}`,
      );
    }
    const l = this.labels;
    if (l.summarised && l.first && l.last) {
      const distinct =
        l.distinct.size >= MAX_DISTINCT ? `more than ${MAX_DISTINCT}` : String(l.distinct.size);
      out.push(
        `${range(l.first.row, l.last.row)} = summary of ${l.count} labels, ${distinct} distinct: first ${l.first.ref} = ${JSON.stringify(clip(l.first.shown))}, last ${l.last.ref} = ${JSON.stringify(clip(l.last.shown))}`,
      );
    }
    return out;
  }
}

const MAX_DISTINCT = 1_000;

class Stats {
  count = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  firstRow = 0;
  lastRow = 0;
  add(value: number, row: number): void {
    if (!Number.isFinite(value)) return;
    if (this.count++ === 0) this.firstRow = row;
    this.lastRow = row;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    this.sum += value;
  }
}

/** Cells kept one by one until there are more than `KEPT_PER_COLUMN`; then only a summary. */
class Kept {
  count = 0;
  first: KeptCell | undefined;
  last: KeptCell | undefined;
  readonly distinct = new Set<string>();
  private kept: KeptCell[] = [];
  private readonly always: KeptCell[] = [];
  get summarised(): boolean {
    return this.count > KEPT_PER_COLUMN;
  }
  add(cell: KeptCell): void {
    this.count++;
    this.first ??= cell;
    this.last = cell;
    if (this.distinct.size < MAX_DISTINCT) this.distinct.add(cell.shown);
    if (this.summarised) this.kept = [];
    else this.kept.push(cell);
  }
  keepAlways(cell: KeptCell): void {
    this.always.push(cell);
  }
  cells(): KeptCell[] {
    return [...this.kept, ...this.always];
  }
}

/** A number as JavaScript writes it, without floating-point noise in sums. */
function num(value: number): string {
  return String(Number(value.toPrecision(15)));
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** `Sheet` or `'My Sheet'`, as Excel writes a reference to another sheet. */
function sheetRef(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

/** Number format code per cell style index. */
function numberFormats(xml: string | null): string[] {
  if (xml === null) return [];
  const doc = parseXml(xml, "xl/styles.xml", { localNames: true });
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

function shownValue(cell: ScannedCell, { shared, formats }: Styles): string {
  const raw = cell.value;
  switch (cell.type) {
    case "s":
      return shared[Number(raw)] ?? "";
    case "inlineStr":
      return cell.inline;
    case "str":
    case "e":
      return raw;
    case "b":
      return raw === "1" ? "TRUE" : "FALSE";
    default: {
      if (raw === "") return "";
      return formatNumber(Number(raw), raw, formats[cell.style] ?? "General");
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
