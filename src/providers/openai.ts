import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { findJsonObjects, systemWithJsonSchema } from "./prompt-json.js";
import type { BatchRun } from "./batch.js";
import { openaiBatches } from "./batch-backends.js";
import { addUsage, namedErrors, NO_USAGE, parseArguments, runTurns } from "./tool-loop.js";
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
  type StructuredRequest,
  type Usage,
} from "../ports/models.js";

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type ChatCompletion = OpenAI.Chat.Completions.ChatCompletion;

/**
 * How structured output is asked for: `schema` sends `response_format: json_schema` (strict);
 * `prompt` puts the schema in the system prompt, for servers that ignore `json_schema`.
 */
export type JsonMode = "schema" | "prompt";

export interface OpenAIClientOptions {
  provider: "openai" | "openai-compatible";
  model: string;
  /** Default: the SDK reads `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Default: the SDK reads `OPENAI_BASE_URL`, else api.openai.com. */
  baseURL?: string;
  /** Per HTTP attempt. Default 120 s. */
  timeoutMs?: number;
  /** Default `schema`. */
  jsonMode?: JsonMode;
  retry: RetryPolicy;
  /** Send the calls (tool loops excepted) through the Batch API (`--batch`, SPEC §12). */
  batch?: BatchRun;
}

/** The OpenAI SDK as every call uses it: no SDK retries (ours are bounded by the run), a per-attempt timeout. */
export function openaiSdk(
  id: string,
  options: { apiKey: string | undefined; baseURL: string | undefined; timeoutMs: number },
): OpenAI {
  try {
    return new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
  } catch (error) {
    // The SDK throws at construction when it finds no key, in the options or in OPENAI_API_KEY.
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelError("auth", `${id}: ${message}`, undefined, { cause: error });
  }
}

/** A `ModelClient` over Chat Completions, for OpenAI and OpenAI-compatible servers (Ollama, vLLM, …). */
export function createOpenAIClient(opts: OpenAIClientOptions): ModelClient {
  const { provider, model } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const jsonMode = opts.jsonMode ?? "schema";
  const id = `${provider}:${model}`;
  // Local servers need no key, but the SDK refuses to start without one.
  const placeholderKey =
    provider === "openai-compatible" && !opts.apiKey && !process.env["OPENAI_API_KEY"]?.trim()
      ? "no-key"
      : undefined;
  const sdk = openaiSdk(id, { apiKey: opts.apiKey ?? placeholderKey, baseURL: opts.baseURL, timeoutMs });

  const batcher = opts.batch
    ? opts.batch.batcher<ChatParams, ChatCompletion>(id, model, openaiBatches(sdk), (completion) =>
        toUsage(completion.usage),
      )
    : undefined;

  async function complete(request: StructuredRequest): Promise<ModelAnswer> {
    const params = buildParams(request);
    const messages = [...params.messages];
    return namedErrors(id, async () => {
      // The same request the online call sends, as one line of a batch (a tool loop stays online).
      if (batcher && !request.tools && request.batchKey !== undefined) {
        const { response, latencyMs } = batcher.request(params, request.batchKey, request.signal);
        return toAnswer(response, { latencyMs, attempts: 1 }, NO_USAGE);
      }
      // With tools, the model may call them first: each call's output goes back as a `tool` message.
      const { response, prior, attempts, latencyMs } = await runTurns<ChatCompletion>({
        request,
        retry: opts.retry,
        timeoutMs,
        classify: classifyOpenAIError,
        send: (signal) => sdk.chat.completions.create({ ...params, messages }, { signal }),
        calls: (completion) =>
          (completion.choices[0]?.message.tool_calls ?? []).map((call) =>
            call.type === "function"
              ? { id: call.id, name: call.function.name, arguments: parseArguments(call.function.arguments) }
              : { id: call.id, name: call.custom.name, arguments: call.custom.input },
          ),
        answered: (completion, outputs) => {
          const message = completion.choices[0]?.message;
          messages.push({
            role: "assistant",
            content: message?.content ?? null,
            tool_calls: message?.tool_calls,
          });
          for (const { call, output } of outputs)
            messages.push({ role: "tool", tool_call_id: call.id, content: output });
        },
        usage: (completion) => toUsage(completion.usage),
      });
      return toAnswer(response, { latencyMs, attempts }, prior);
    });
  }

  function buildParams(request: StructuredRequest): ChatParams {
    const system = jsonMode === "prompt" ? systemWithJsonSchema(request) : request.system;
    const { settings } = request;
    return {
      model,
      messages: [{ role: "system", content: system }, ...request.messages.map(toChatMessage)],
      ...tokenLimit(provider, request.maxOutputTokens),
      ...(settings?.reasoningEffort === undefined ? {} : { reasoning_effort: settings.reasoningEffort }),
      ...(settings?.temperature === undefined ? {} : { temperature: settings.temperature }),
      // Only OpenAI documents it; other servers may refuse a parameter they do not know.
      ...(provider === "openai" && request.cacheKey !== undefined
        ? { prompt_cache_key: request.cacheKey }
        : {}),
      ...(jsonMode === "schema"
        ? {
            response_format: {
              type: "json_schema",
              json_schema: {
                name: request.schemaName,
                description: request.schemaDescription,
                schema: request.schema,
                strict: true,
              },
            },
          }
        : {}),
      ...(request.tools
        ? {
            tools: request.tools.specs.map((spec) => ({
              type: "function" as const,
              function: { name: spec.name, description: spec.description, parameters: spec.parameters },
            })),
          }
        : {}),
    };
  }

  return { id, provider, model, complete };
}

function tokenLimit(
  provider: OpenAIClientOptions["provider"],
  maxOutputTokens: number,
): Pick<ChatParams, "max_completion_tokens" | "max_tokens"> {
  if (provider === "openai") return { max_completion_tokens: maxOutputTokens };
  // Older OpenAI-compatible servers know only the deprecated `max_tokens`.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  return { max_tokens: maxOutputTokens };
}

function toAnswer(
  completion: ChatCompletion,
  meta: { latencyMs: number; attempts: number },
  prior: Usage,
): ModelAnswer {
  const choice = completion.choices[0];
  const usage = addUsage(prior, toUsage(completion.usage));
  const content = choice?.message.content ?? "";
  const refusal = choice?.message.refusal;
  if (refusal || choice?.finish_reason === "content_filter") {
    return { kind: "refused", text: refusal || content, usage, ...meta };
  }
  if (choice?.finish_reason === "length") return { kind: "truncated", text: content, usage, ...meta };
  // A server that ignored json_schema may have wrapped the object in a fence or prose; an answer with
  // several objects (one perhaps echoed from the artifact) is ambiguous, and none is picked.
  const objects = findJsonObjects(content);
  if (objects.length > 1)
    return { kind: "ambiguous", text: content, candidates: objects.length, usage, ...meta };
  return { kind: "answer", text: objects[0] ?? content, usage, ...meta };
}

function toUsage(usage: ChatCompletion["usage"]): Usage {
  return {
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** Reads an OpenAI SDK error: quota first (never retried), then the HTTP status. */
export function classifyOpenAIError(error: unknown): Failure {
  if (error instanceof APIConnectionTimeoutError) {
    return { kind: "timeout", retryable: true, message: error.message };
  }
  if (error instanceof APIConnectionError) {
    return { kind: "connection", retryable: true, message: connectionMessage(error) };
  }
  if (error instanceof APIError && typeof error.status === "number") {
    if (error.code === "insufficient_quota" || error.type === "insufficient_quota") {
      return { kind: "quota", retryable: false, status: error.status, message: error.message };
    }
    return classifyStatus(error.status, error.headers as Headers | undefined, error.message);
  }
  return classifyOtherError(error);
}

/** A message as Chat Completions takes it: plain text, or text then `image_url` parts (data URLs). */
function toChatMessage({ role, content, images }: ChatMessage): ChatParams["messages"][number] {
  if (role === "assistant" || images === undefined || images.length === 0) return { role, content };
  return {
    role,
    content: [
      { type: "text", text: content },
      ...images.map((image) => ({
        type: "image_url" as const,
        image_url: { url: `data:${image.mediaType};base64,${image.data}` },
      })),
    ],
  };
}
