import { parseArgs } from "node:util";
import { z } from "zod";
import { REASONING_EFFORTS } from "../ports/models.js";
import { decimal } from "../util/string-schemas.js";
import { flagErrorMessage } from "./flag-errors.js";

/**
 * One flag of a command: how it is parsed (`value` absent: a switch), how its value is checked, and what
 * `--help` says of it. A command's flags are one table, from which its parser and its option rows are
 * both made, so the help cannot drift from what the parser takes.
 */
export interface FlagSpec<S extends z.ZodType = z.ZodType> {
  /** The value's name in `--help` (`N`, `FILE`); absent for a switch. */
  value?: string;
  /** Given more than once, it collects every value (the schema sees an array). */
  multiple?: boolean;
  /** A one-letter alias (`-o`). */
  short?: string;
  /** What `--help` says: one paragraph, wrapped to the help's width. */
  help: string;
  schema: S;
}

export type FlagTable = Record<string, FlagSpec>;

/** The checked values of a table's flags, by flag name. */
export type FlagValues<T extends FlagTable> = { [K in keyof T]: z.output<T[K]["schema"]> };

/** A flag spec, with its schema's type kept for `FlagValues`. */
export function flag<S extends z.ZodType>(spec: FlagSpec<S>): FlagSpec<S> {
  return spec;
}

export type Parsed<T> =
  { ok: true; values: T; positionals: string[]; help: boolean } | { ok: false; message: string };

/**
 * Parses a command's argv with `node:util` parseArgs by its flag table, then checks the values with the
 * table's schemas. A bad flag's message names the command and the flag, quotes the value and says the
 * expected form; an unknown one names the nearest known flag.
 */
export function parseFlags<T extends FlagTable>(
  command: string,
  argv: string[],
  table: T,
  positionals = true,
): Parsed<FlagValues<T>> {
  const options = Object.fromEntries(
    Object.entries(table).map(([name, spec]) => [
      name,
      {
        type: spec.value === undefined ? ("boolean" as const) : ("string" as const),
        ...(spec.multiple ? { multiple: true } : {}),
        ...(spec.short === undefined ? {} : { short: spec.short }),
      },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: positionals,
      strict: true,
      options: { ...options, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    return { ok: false, message: flagErrorMessage(command, error, [...Object.keys(table), "help"]) };
  }
  const values: Record<string, unknown> = { ...parsed.values };
  const help = values.help === true;
  delete values.help;
  const schema = z.object(
    Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, spec.schema])),
  );
  const result = schema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? "");
    const entry = issue?.path[1];
    const raw = values[name];
    const value: unknown = Array.isArray(raw) && typeof entry === "number" ? (raw as unknown[])[entry] : raw;
    return {
      ok: false,
      message: `${command}: --${name} ${JSON.stringify(value)}: ${issue?.message ?? "invalid"}`,
    };
  }
  return { ok: true, values: result.data as FlagValues<T>, positionals: parsed.positionals, help };
}

const WIDTH = 100;
/** Names longer than this put their description on the next line. */
const NAME_COLUMN = 26;

/** The option rows of `--help` for a table, in its order, aligned, wrapped, with `-h, --help` last. */
export function optionRows(table: FlagTable): string {
  const rows: Array<[string, string]> = [
    ...Object.entries(table).map(([name, spec]): [string, string] => [
      `${spec.short === undefined ? "" : `-${spec.short}, `}--${name}${spec.value === undefined ? "" : ` ${spec.value}`}`,
      spec.help,
    ]),
    ["-h, --help", "print this help"],
  ];
  const widest = Math.max(...rows.map(([name]) => name.length).filter((n) => n <= NAME_COLUMN));
  const indent = 2 + widest + 2;
  return rows
    .flatMap(([name, help]) => {
      const lines = wrap(help, WIDTH - indent);
      const head = `  ${name}`;
      if (name.length > widest) return [head, ...lines.map((line) => " ".repeat(indent) + line)];
      return lines.map((line, i) => (i === 0 ? head.padEnd(indent) : " ".repeat(indent)) + line);
    })
    .join("\n");
}

/** `text`'s words in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** `--timeout` and `--json-mode`: how each model call of a command is made (calibrate, init). */
export const MODEL_CALL_FLAGS = {
  timeout: flag({
    value: "SECONDS",
    help: "per model call (default 120)",
    schema: decimal(0.001, 86_400).default(120),
  }),
  "json-mode": flag({
    value: "MODE",
    help: "schema (default) or prompt",
    schema: z.enum(["schema", "prompt"]).default("schema"),
  }),
};

/** `--ROLE-effort` and `--ROLE-temperature`: the model options of the judge or the writer. */
export function settingsFlags<R extends "judge" | "writer">(role: R) {
  const effort = flag({
    value: "LEVEL",
    help: `the ${role}'s reasoning effort, for reasoning models: ${REASONING_EFFORTS.join(", ")} (OpenAI takes none to xhigh, Anthropic low to max); a rubric's ${role}_effort wins`,
    schema: z.enum(REASONING_EFFORTS).optional(),
  });
  const temperature = flag({
    value: "T",
    help: `the ${role}'s temperature, 0 to 2 (Anthropic 0 to 1), for models that take one (reasoning models do not); a rubric's ${role}_temperature wins`,
    schema: decimal(0, 2).optional(),
  });
  return { [`${role}-effort`]: effort, [`${role}-temperature`]: temperature } as Record<
    `${R}-effort`,
    typeof effort
  > &
    Record<`${R}-temperature`, typeof temperature>;
}
