import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";
import { flagErrorMessage } from "../flag-errors.js";

export { decimal, modelSpec, wholeNumber } from "../../util/string-schemas.js";

export type Parsed<T> =
  { ok: true; values: T; positionals: string[]; help: boolean } | { ok: false; message: string };

/**
 * Parses a subcommand's argv with `node:util` parseArgs, then validates the values with zod. A bad
 * flag's message names the flag, quotes the value and says the expected form.
 */
export function parseFlags<S extends z.ZodType>(
  command: string,
  argv: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  schema: S,
): Parsed<z.output<S>> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    return { ok: false, message: flagErrorMessage(command, error, [...Object.keys(options), "help"]) };
  }
  const values: Record<string, unknown> = { ...parsed.values };
  const help = values.help === true;
  delete values.help;
  const result = schema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const flag = String(issue?.path[0] ?? "");
    const entry = issue?.path[1];
    const raw = values[flag];
    const value: unknown = Array.isArray(raw) && typeof entry === "number" ? (raw as unknown[])[entry] : raw;
    return {
      ok: false,
      message: `${command}: --${flag} ${JSON.stringify(value)}: ${issue?.message ?? "invalid"}`,
    };
  }
  return { ok: true, values: result.data, positionals: parsed.positionals, help };
}
