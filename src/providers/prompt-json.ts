import type { StructuredRequest } from "../ports/models.js";

/**
 * "Prompt" JSON mode, for OpenAI-compatible servers that ignore `response_format: json_schema`
 * (some Ollama and vLLM versions): the schema travels in the system prompt, and the answer's JSON
 * object is dug out of whatever wrapping the model put around it. The caller validates it as always.
 */

/** The system prompt with the answer schema and the one-JSON-object instruction appended. */
export function systemWithJsonSchema(
  request: Pick<StructuredRequest, "system" | "schemaName" | "schemaDescription" | "schema">,
): string {
  return [
    request.system,
    "",
    "## Answer format",
    "",
    `Answer with exactly one JSON object, "${request.schemaName}": ${request.schemaDescription}`,
    "It must conform to this JSON Schema, with every required property present and no other property:",
    "",
    JSON.stringify(request.schema, null, 2),
    "",
    "Reply with the JSON object only: no prose before or after it, no Markdown code fence.",
  ].join("\n");
}

const THINKING = /<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi;
/** Bounds the work on a long answer full of stray braces. */
const MAX_CANDIDATES = 50;

/**
 * Every distinct JSON object an answer holds at top level: the whole answer when it is one object,
 * else each balanced `{…}` that parses (inside a ```json fence or in prose), nested objects counted
 * with their parent. Objects with the same content count once. More than one means the answer is
 * ambiguous: one of them may be echoed from the artifact, so none may be picked.
 */
export function findJsonObjects(answer: string): string[] {
  const whole = answer.trim();
  if (isJsonObject(whole)) return [whole];
  // Reasoning models served locally often prefix their answer with a <think> block.
  const text = answer.replace(THINKING, "");
  const found = new Map<string, string>();
  let candidates = 0;
  for (let start = text.indexOf("{"); start !== -1;) {
    if (++candidates > MAX_CANDIDATES) break;
    const end = matchingBrace(text, start);
    const candidate = end === -1 ? "" : text.slice(start, end + 1);
    if (end !== -1 && isJsonObject(candidate)) {
      const key = JSON.stringify(JSON.parse(candidate));
      if (!found.has(key)) found.set(key, candidate);
      start = text.indexOf("{", end + 1);
    } else {
      start = text.indexOf("{", start + 1);
    }
  }
  return [...found.values()];
}

/** The answer's only JSON object (see `findJsonObjects`); null when it holds none or several. */
export function extractJsonObject(answer: string): string | null {
  const found = findJsonObjects(answer);
  return found.length === 1 ? (found[0] ?? null) : null;
}

function isJsonObject(text: string): boolean {
  if (!text.startsWith("{")) return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Index of the `}` closing the `{` at `start`, skipping braces inside JSON strings; -1 when unbalanced. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === "{") {
      depth++;
    } else if (ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
