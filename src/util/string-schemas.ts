import { z } from "zod";

// Zod schemas for values that arrive as strings: CLI flags and Action inputs.

/** `provider:model`, e.g. `openai:gpt-4.1`. */
export const modelSpec = z
  .string()
  .regex(/^(openai|anthropic|openai-compatible):\S+$/, "expected provider:model, e.g. openai:gpt-4.1");

/** A whole number from min to max. */
export const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A decimal number from min to max. */
export const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, `expected a number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min).max(max));

/** A number above zero. */
export const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "expected a positive number")
  .transform(Number)
  .pipe(z.number().positive());
