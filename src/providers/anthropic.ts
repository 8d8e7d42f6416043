import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { findJsonObjects } from "./prompt-json.js";
import type { BatchRun } from "./batch.js";
import { anthropicBatches } from "./batch-backends.js";
import { addUsage, namedErrors, NO_USAGE, runTurns } from "./tool-loop.js";
import {
  classifyStatus,
  classifyOtherError,
  connectionMessage,
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  type Failure,
  type RetryPolicy,
} from "./retry.js";
import {
  ModelError,
  type ChatMessage,
  type ModelAnswer,
  type ModelClient,
  type ModelSettings,
  type StructuredRequest,
  type Usage,
} from "../ports/models.js";

type MessageParams = Anthropic.Messages.MessageCreateParamsNonStreaming;
type MessageParam = Anthropic.Messages.MessageParam;
type Message = Anthropic.Messages.Message;

const EPHEMERAL = { type: "ephemeral" } as const;

export interface AnthropicClientOptions {
  model: string;
  /** Default: the SDK reads `ANTHROPIC_API_KEY`. */
  apiKey?: string;
  /** Default: the SDK reads `ANTHROPIC_BASE_URL`, else api.anthropic.com. */
  baseURL?: string;
  /** Per HTTP attempt. Default 120 s. */
  timeoutMs?: number;
  retry: RetryPolicy;
  /** Send the calls (tool loops excepted) through Message Batches (`--batch`, SPEC §12). */
  batch?: BatchRun;
}

/** A `ModelClient` over the Messages API: the answer schema is one tool, and the model is forced to call it. */
export function createAnthropicClient(opts: AnthropicClientOptions): ModelClient {
  const { model } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const id = `anthropic:${model}`;
  const sdk = new Anthropic({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    maxRetries: 0,
    // Also spares the SDK's "streaming is required" guess, made only when no timeout is set.
    timeout: timeoutMs,
  });

  const batcher = opts.batch
    ? opts.batch.batcher<MessageParams, Message>(id, model, anthropicBatches(sdk), (message) =>
        toUsage(message.usage),
      )
    : undefined;

  async function complete(request: StructuredRequest): Promise<ModelAnswer> {
    return namedErrors(id, async () => {
      // A setting Anthropic does not take fails here, before any call, named with the model.
      const params = buildParams(model, request);
      const messages = [...params.messages];
      // The same request the online call sends, as one entry of a batch (a tool loop stays online).
      if (batcher && !request.tools && request.batchKey !== undefined) {
        const { response, latencyMs } = batcher.request(params, request.batchKey, request.signal);
        return toAnswer(response, request.schemaName, { latencyMs, attempts: 1 }, NO_USAGE);
      }
      // With tools, the model may call them before it calls the answer tool: each call's output goes
      // back as a `tool_result`.
      const { response, prior, attempts, latencyMs } = await runTurns<Message>({
        request,
        retry: opts.retry,
        timeoutMs,
        classify: classifyAnthropicError,
        send: (signal) => sdk.messages.create({ ...params, messages }, { signal }),
        calls: (message) => {
          const uses = message.content.flatMap((block) => (block.type === "tool_use" ? [block] : []));
          const calls = uses.filter((use) => use.name !== request.schemaName);
          // A turn that also calls the answer tool, or did not stop to use tools, is the answer.
          if (calls.length < uses.length || message.stop_reason !== "tool_use") return [];
          return calls.map((use) => ({ id: use.id, name: use.name, arguments: use.input }));
        },
        answered: (message, outputs) => {
          messages.push({
            role: "assistant",
            content: message.content.flatMap((block): Anthropic.Messages.ContentBlockParam[] =>
              block.type === "tool_use"
                ? [{ type: "tool_use", id: block.id, name: block.name, input: block.input }]
                : block.type === "text" && block.text.trim() !== ""
                  ? [{ type: "text", text: block.text }]
                  : [],
            ),
          });
          messages.push({
            role: "user",
            content: outputs.map(({ call, output }) => ({
              type: "tool_result" as const,
              tool_use_id: call.id,
              content: output,
            })),
          });
        },
        usage: (message) => toUsage(message.usage),
      });
      return toAnswer(response, request.schemaName, { latencyMs, attempts }, prior);
    });
  }

  return { id, provider: "anthropic", model, complete };
}

function buildParams(model: string, request: StructuredRequest): MessageParams {
  return {
    model,
    max_tokens: request.maxOutputTokens,
    // The cache prefix runs tools → system → messages: this breakpoint covers the tool schema too.
    system: [{ type: "text", text: request.system, cache_control: EPHEMERAL }],
    messages: request.messages.map(toMessageParam),
    tools: [
      ...(request.tools?.specs ?? []).map((spec) => ({
        name: spec.name,
        description: spec.description,
        input_schema: { ...spec.parameters, type: "object" as const },
      })),
      {
        name: request.schemaName,
        description: request.schemaDescription,
        input_schema: { ...request.schema, type: "object" },
      },
    ],
    // With grader tools the model must call a tool — one of them, or the answer tool.
    tool_choice: request.tools ? { type: "any" } : { type: "tool", name: request.schemaName },
    ...settingsParams(request.settings),
  };
}

/** Anthropic's `effort` levels; OpenAI's lower ones (none, minimal) have no Anthropic equivalent. */
const ANTHROPIC_EFFORTS = ["low", "medium", "high", "xhigh", "max"] as const;

/**
 * Reasoning effort as `output_config.effort`, temperature as `temperature` (0–1 on Anthropic). A value
 * Anthropic does not take is a bad request, said before any call, never silently changed.
 */
function settingsParams(settings: ModelSettings | undefined): Partial<MessageParams> {
  const effort = settings?.reasoningEffort;
  const temperature = settings?.temperature;
  if (effort !== undefined && !(ANTHROPIC_EFFORTS as readonly string[]).includes(effort)) {
    throw new ModelError(
      "bad_request",
      `reasoning effort ${effort}: Anthropic takes ${ANTHROPIC_EFFORTS.join(", ")}; choose one of them`,
    );
  }
  if (temperature !== undefined && temperature > 1) {
    throw new ModelError(
      "bad_request",
      `temperature ${temperature}: Anthropic takes 0 to 1; choose one in that range`,
    );
  }
  return {
    ...(effort === undefined
      ? {}
      : { output_config: { effort: effort as (typeof ANTHROPIC_EFFORTS)[number] } }),
    ...(temperature === undefined ? {} : { temperature }),
  };
}

/** Splits a message at `cacheUpTo`: the stable head becomes a cached block, the variable tail a plain one. */
function toMessageParam(message: ChatMessage): MessageParam {
  const text = toTextParam(message);
  const images = message.role === "user" ? (message.images ?? []) : [];
  if (images.length === 0) return text;
  const blocks =
    typeof text.content === "string" ? [{ type: "text" as const, text: text.content }] : text.content;
  return {
    role: message.role,
    content: [
      ...blocks,
      ...images.map((image) => ({
        type: "image" as const,
        source: { type: "base64" as const, media_type: image.mediaType, data: image.data },
      })),
    ],
  };
}

function toTextParam({ role, content, cacheUpTo }: ChatMessage): MessageParam {
  if (cacheUpTo === undefined || cacheUpTo <= 0) return { role, content };
  const head = content.slice(0, cacheUpTo);
  const tail = content.slice(cacheUpTo);
  // The API rejects empty or blank text blocks: a blank head is not worth caching, a blank tail rides along.
  if (!head.trim()) return { role, content };
  if (!tail.trim()) return { role, content: [{ type: "text", text: content, cache_control: EPHEMERAL }] };
  return {
    role,
    content: [
      { type: "text", text: head, cache_control: EPHEMERAL },
      { type: "text", text: tail },
    ],
  };
}

function toAnswer(
  message: Message,
  schemaName: string,
  meta: { latencyMs: number; attempts: number },
  prior: Usage,
): ModelAnswer {
  const usage = addUsage(prior, toUsage(message.usage));
  const toolUses = message.content.filter((block) => block.type === "tool_use");
  const texts = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
  if (message.stop_reason === "refusal") {
    return { kind: "refused", text: message.stop_details?.explanation || texts, usage, ...meta };
  }
  const answers = toolUses.filter((block) => block.name === schemaName);
  const [toolUse] = answers.length > 0 ? answers : toolUses;
  if (message.stop_reason === "max_tokens") {
    return { kind: "truncated", text: toolUse ? JSON.stringify(toolUse.input) : texts, usage, ...meta };
  }
  // Several calls of the answer tool are several candidate results: none is picked.
  if (toolUses.length > 1) {
    return { kind: "ambiguous", text: texts, candidates: toolUses.length, usage, ...meta };
  }
  if (toolUse) return { kind: "answer", text: JSON.stringify(toolUse.input), usage, ...meta };
  // Without a tool call the text is read as prompted JSON: one object, or the caller's validation
  // fails and asks again; several objects are ambiguous.
  const objects = findJsonObjects(texts);
  if (objects.length > 1)
    return { kind: "ambiguous", text: texts, candidates: objects.length, usage, ...meta };
  return { kind: "answer", text: objects[0] ?? texts, usage, ...meta };
}

/** Cache writes and reads are billed input too, reported beside `input_tokens`: they are summed here. */
function toUsage(usage: Message["usage"]): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: usage.input_tokens + cacheWrite + cacheRead,
    outputTokens: usage.output_tokens,
    cachedInputTokens: cacheRead,
  };
}

/** Reads an Anthropic SDK error: billing first (never retried), then the HTTP status. */
export function classifyAnthropicError(error: unknown): Failure {
  if (error instanceof APIConnectionTimeoutError) {
    return { kind: "timeout", retryable: true, message: error.message };
  }
  if (error instanceof APIConnectionError) {
    return { kind: "connection", retryable: true, message: connectionMessage(error) };
  }
  if (error instanceof APIError && typeof error.status === "number") {
    if (error.type === "billing_error") {
      return { kind: "quota", retryable: false, status: error.status, message: error.message };
    }
    return classifyStatus(error.status, error.headers as Headers | undefined, error.message);
  }
  return classifyOtherError(error);
}
