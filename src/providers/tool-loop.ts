import { ToolLimitError, type Usage } from "../ports/models.js";

/**
 * Turns of one tool loop at most, whatever the tool runner's own bounds: a model that keeps answering
 * with calls the runner never sees (a tool type the adapter does not run) still ends.
 */
export const MAX_TOOL_TURNS = 32;

/** Throws once a tool loop has taken `MAX_TOOL_TURNS` turns. */
export function checkTurns(turn: number): void {
  if (turn >= MAX_TOOL_TURNS) {
    throw new ToolLimitError(`the model kept calling tools for ${MAX_TOOL_TURNS} turns without answering`);
  }
}

/** A tool call's arguments as JSON, or the raw text when they are not (the tool then says what is wrong). */
export function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Two usages summed: the turns of a tool loop are one answer. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
  };
}
