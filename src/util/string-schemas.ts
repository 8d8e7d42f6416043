import { z } from "zod";
import { didYouMean } from "./suggest.js";

// Zod schemas for values that arrive as strings: CLI flags and Action inputs.

/** The providers a model spec may name. */
export const PROVIDERS = ["openai", "openai-responses", "anthropic", "openai-compatible"] as const;

/** `provider:model`, e.g. `openai:gpt-4.1`; an unknown provider is named, with the nearest known one. */
export const modelSpec = z.string().superRefine((value, ctx) => {
  const match = /^([^:\s]+):(\S+)$/.exec(value);
  const provider = match?.[1];
  if (provider === undefined) {
    ctx.addIssue({ code: "custom", message: "expected provider:model, e.g. openai:gpt-4.1" });
  } else if (!(PROVIDERS as readonly string[]).includes(provider)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown provider "${provider}"${didYouMean(provider, PROVIDERS)} (known: ${PROVIDERS.join(", ")})`,
    });
  }
});

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
