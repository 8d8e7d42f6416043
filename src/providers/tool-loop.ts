import { ModelError, ToolLimitError, type StructuredRequest, type Usage } from "../ports/models.js";
import { withRetries, type Failure, type RetryPolicy } from "./retry.js";

/**
 * Turns of one tool loop at most, whatever the tool runner's own bounds: a model that keeps answering
 * with calls the runner never sees (a tool type the adapter does not run) still ends.
 */
export const MAX_TOOL_TURNS = 32;

/** Throws once a tool loop has taken `MAX_TOOL_TURNS` turns. */
function checkTurns(turn: number): void {
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

/** No tokens: the usage before a first turn. */
export const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** Two usages summed: the turns of a tool loop are one answer. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
  };
}

/** One tool call a model made, its arguments decoded. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

export interface TurnsOptions<R> {
  request: StructuredRequest;
  retry: RetryPolicy;
  timeoutMs: number;
  classify: (error: unknown) => Failure;
  /** Sends the conversation as it stands (the adapter keeps it). */
  send: (signal: AbortSignal) => Promise<R>;
  /** The tool calls a response makes; none when it is the answer. Asked only when the request has tools. */
  calls: (response: R) => ToolCall[];
  /** Adds the turn to the conversation: the response, then each call's output. */
  answered: (response: R, outputs: Array<{ call: ToolCall; output: string }>) => void;
  usage: (response: R) => Usage;
}

/**
 * The provider-neutral part of a call: each turn sent with bounded retries; while the model calls
 * tools (only when the request offers some), each call goes to the request's runner and its output
 * back into the conversation, until a response is the answer (`MAX_TOOL_TURNS` at most). The usage of
 * the turns before the answer comes back as `prior`, to be added to the answer's own.
 */
export async function runTurns<R>(
  options: TurnsOptions<R>,
): Promise<{ response: R; prior: Usage; attempts: number; latencyMs: number }> {
  const { request, retry } = options;
  const started = retry.clock.now();
  let attempts = 0;
  let prior = NO_USAGE;
  for (let turn = 0; ; turn++) {
    checkTurns(turn);
    let turnAttempts = 0;
    const response = await withRetries(
      (n, signal) => {
        turnAttempts = n;
        return options.send(signal);
      },
      options.classify,
      retry,
      request.signal,
      options.timeoutMs,
    );
    attempts += turnAttempts;
    const { tools } = request;
    const calls = tools ? options.calls(response) : [];
    if (!tools || calls.length === 0) {
      return { response, prior, attempts, latencyMs: retry.clock.now() - started };
    }
    prior = addUsage(prior, options.usage(response));
    const outputs: Array<{ call: ToolCall; output: string }> = [];
    for (const call of calls) {
      outputs.push({ call, output: await tools.run({ name: call.name, arguments: call.arguments }) });
    }
    options.answered(response, outputs);
  }
}

/** Runs `call`, naming the model in the message of any `ModelError` it throws. */
export async function namedErrors<T>(id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ModelError) {
      throw new ModelError(error.kind, `${id}: ${error.message}`, error.status, { cause: error.cause });
    }
    throw error;
  }
}
