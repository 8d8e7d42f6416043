import { z } from "zod";
import type { JsonSchema } from "../ports/models.js";

/**
 * The JSON Schema sent to a model for an answer shape defined once in zod: what the model must produce
 * (`io: "output"`: every object closed with `additionalProperties: false`, every property required
 * unless optional), without the `$schema` header that no provider reads.
 */
export function answerJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _header, ...rest } = z.toJSONSchema(schema, { io: "output", unrepresentable: "throw" });
  return rest;
}
