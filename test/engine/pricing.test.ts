import { describe, expect, it } from "vitest";
import { estimateCostUsd, parsePriceOverrides, priceFor } from "../../src/engine/pricing.js";

const usage = (inputTokens: number, outputTokens: number, cachedInputTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens,
});

describe("priceFor", () => {
  it("matches by the longest model-name prefix", () => {
    expect(priceFor("gpt-4.1-mini-2025-04-14")?.input).toBe(0.4);
    expect(priceFor("gpt-4.1-2025-04-14")?.input).toBe(2);
    expect(priceFor("claude-opus-4-1-20250805")?.input).toBe(15);
    expect(priceFor("claude-opus-4-5-20251101")?.input).toBe(5);
    expect(priceFor("claude-sonnet-4-6")?.output).toBe(15);
  });

  it("is null for an unknown model", () => {
    expect(priceFor("llama3.1:8b")).toBeNull();
  });
});

describe("estimateCostUsd", () => {
  it("prices uncached input, cached input and output separately", () => {
    // gpt-4.1: $2 input, $0.50 cached, $8 output per million.
    expect(estimateCostUsd("gpt-4.1", usage(1_000_000, 100_000, 400_000))).toBeCloseTo(1.2 + 0.2 + 0.8, 10);
    // claude-sonnet-4-6: $3 input, $0.30 cache read, $15 output.
    expect(estimateCostUsd("claude-sonnet-4-6", usage(10_000, 1_000, 8_000))).toBeCloseTo(
      (2_000 * 3 + 8_000 * 0.3 + 1_000 * 15) / 1e6,
      10,
    );
  });

  it("is null when the model has no price", () => {
    expect(estimateCostUsd("mistral-large", usage(100, 100))).toBeNull();
  });

  it("lets overrides win over the table and price unknown models", () => {
    const overrides = parsePriceOverrides(
      '{"llama3": {"input": 0.1, "output": 0.2}, "gpt-4.1": {"input": 1, "output": 1, "cached_input": 0}}',
    );
    expect(estimateCostUsd("llama3.1:8b", usage(1_000_000, 1_000_000, 500_000), overrides)).toBeCloseTo(
      0.3,
      10,
    );
    expect(estimateCostUsd("gpt-4.1-mini", usage(1_000_000, 0, 1_000_000), overrides)).toBe(0);
  });
});

describe("parsePriceOverrides", () => {
  it("defaults cached_input to the input price", () => {
    expect(parsePriceOverrides('{"M": {"input": 3, "output": 4}}')).toEqual({
      m: { input: 3, cachedInput: 3, output: 4 },
    });
  });

  it.each([
    ["not json", /not valid JSON/],
    ['{"gpt": {"input": -1, "output": 1}}', /gpt\.input/],
    ['{"gpt": {"input": 1}}', /gpt\.output/],
    ['{"gpt": {"input": 1, "output": 1, "cache": 1}}', /cache/],
    ["[1]", /top level/],
  ])("rejects %s with a clear error", (json, detail) => {
    expect(() => parsePriceOverrides(json, "input `prices`")).toThrow(detail);
    expect(() => parsePriceOverrides(json, "input `prices`")).toThrow(
      /^input `prices`: .*expected \{"model-prefix"/,
    );
  });
});
