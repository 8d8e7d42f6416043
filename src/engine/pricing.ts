import { z } from "zod";
import type { Usage } from "../ports/models.js";

/** USD per million tokens. `cachedInput` is the price of input served from the prompt cache. */
export interface Price {
  input: number;
  cachedInput: number;
  output: number;
}

/** Prices by model-name prefix; the longest matching prefix wins. */
export type PriceTable = Readonly<Record<string, Price>>;

const price = (input: number, cachedInput: number, output: number): Price => ({ input, cachedInput, output });

/**
 * List prices (standard tier, no batch discount) from the OpenAI and Anthropic pricing pages as of
 * 2026-01-15. They are ESTIMATES: providers change prices, and Anthropic bills cache writes at
 * 1.25× input, which this table prices as plain input. Use `--prices` / overrides to correct them.
 */
export const PRICES: PriceTable = {
  // OpenAI
  "gpt-5.2": price(1.75, 0.175, 14),
  "gpt-5.1": price(1.25, 0.125, 10),
  "gpt-5": price(1.25, 0.125, 10),
  "gpt-5-mini": price(0.25, 0.025, 2),
  "gpt-5-nano": price(0.05, 0.005, 0.4),
  "gpt-5-pro": price(15, 15, 120),
  "gpt-4.1": price(2, 0.5, 8),
  "gpt-4.1-mini": price(0.4, 0.1, 1.6),
  "gpt-4.1-nano": price(0.1, 0.025, 0.4),
  "gpt-4o": price(2.5, 1.25, 10),
  "gpt-4o-mini": price(0.15, 0.075, 0.6),
  o1: price(15, 7.5, 60),
  "o1-mini": price(1.1, 0.55, 4.4),
  o3: price(2, 0.5, 8),
  "o3-pro": price(20, 20, 80),
  "o3-mini": price(1.1, 0.55, 4.4),
  "o4-mini": price(1.1, 0.275, 4.4),
  // Anthropic (cache reads at 0.1× input). Opus 4.5 and later cost less than Opus 4 and 4.1.
  "claude-opus-4": price(5, 0.5, 25),
  "claude-opus-4-0": price(15, 1.5, 75),
  "claude-opus-4-1": price(15, 1.5, 75),
  "claude-opus-4-2025": price(15, 1.5, 75),
  "claude-sonnet-4": price(3, 0.3, 15),
  "claude-3-7-sonnet": price(3, 0.3, 15),
  "claude-haiku-4-5": price(1, 0.1, 5),
  "claude-3-5-haiku": price(0.8, 0.08, 4),
};

/** What the providers' batch APIs charge: half the list price (OpenAI Batch, Anthropic Message Batches). */
export const BATCH_DISCOUNT = 0.5;

/**
 * The price table of a batch run: every built-in price and override at `BATCH_DISCOUNT`, as one table
 * (the longest prefix across both wins).
 */
export function batchPrices(overrides?: PriceTable): PriceTable {
  const scaled = (table: PriceTable): Record<string, Price> =>
    Object.fromEntries(
      Object.entries(table).map(([prefix, p]) => [
        prefix,
        price(p.input * BATCH_DISCOUNT, p.cachedInput * BATCH_DISCOUNT, p.output * BATCH_DISCOUNT),
      ]),
    );
  return { ...scaled(PRICES), ...scaled(overrides ?? {}) };
}

/** The price of a model: the longest matching prefix in `overrides`, else in the built-in table; null when unknown. */
export function priceFor(model: string, overrides?: PriceTable): Price | null {
  const name = model.trim().toLowerCase();
  return (overrides && longestPrefix(name, overrides)) ?? longestPrefix(name, PRICES);
}

/** Estimated cost of one call in USD, or null when the model has no known price. */
export function estimateCostUsd(model: string, usage: Usage, overrides?: PriceTable): number | null {
  const p = priceFor(model, overrides);
  if (!p) return null;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  return (uncached * p.input + cached * p.cachedInput + usage.outputTokens * p.output) / 1_000_000;
}

const PerMillion = z.number().nonnegative();
const OverridesSchema = z.record(
  z.string().trim().min(1, "a model prefix must not be empty"),
  z.strictObject({ input: PerMillion, output: PerMillion, cached_input: PerMillion.optional() }),
);

const EXPECTED = `expected {"model-prefix": {"input": 2, "output": 8, "cached_input": 0.5}} in USD per million tokens ("cached_input" is optional)`;

/** Parses user price overrides (JSON); `source` names where they came from in the error message. */
export function parsePriceOverrides(json: string, source = "price overrides"): PriceTable {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message}); ${EXPECTED}`, { cause: error });
  }
  const parsed = OverridesSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
      return `${where}: ${issue.message}`;
    });
    throw new Error(`${source}: ${problems.join("; ")}; ${EXPECTED}`, { cause: parsed.error });
  }
  const table: Record<string, Price> = {};
  for (const [prefix, p] of Object.entries(parsed.data)) {
    // Without a cached price, assume no cache discount: an estimate should not undercount.
    table[prefix.toLowerCase()] = price(p.input, p.cached_input ?? p.input, p.output);
  }
  return table;
}

function longestPrefix(name: string, table: PriceTable): Price | null {
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (name.startsWith(prefix.toLowerCase()) && (best === undefined || prefix.length > best.length)) {
      best = prefix;
    }
  }
  return best === undefined ? null : (table[best] ?? null);
}
