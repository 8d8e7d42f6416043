import OpenAI from "openai";
import type { BatchRun } from "./batch.js";
import { openaiBatches } from "./batch-backends.js";
import { classifyOpenAIError, openaiSdk } from "./openai.js";
import { findJsonObjects } from "./prompt-json.js";
import { addUsage, namedErrors, NO_USAGE, parseArguments, runTurns } from "./tool-loop.js";
import { DEFAULT_ATTEMPT_TIMEOUT_MS, type RetryPolicy } from "./retry.js";
import {
  ModelError,
  type ChatMessage,
  type ModelAnswer,
  type ModelClient,
  type StructuredRequest,
  type Usage,
} from "../ports/models.js";

type ResponseParams = OpenAI.Responses.ResponseCreateParamsNonStreaming;
type Response = OpenAI.Responses.Response;
type InputItem = OpenAI.Responses.ResponseInputItem;

export interface ResponsesClientOptions {
  model: string;
  /** Default: the SDK reads `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Default: the SDK reads `OPENAI_BASE_URL`, else api.openai.com. */
  baseURL?: string;
  /** Per HTTP attempt. Default 120 s. */
  timeoutMs?: number;
  retry: RetryPolicy;
  /** Send the calls (tool loops excepted) through the Batch API on `/v1/responses` (`--batch`). */
  batch?: BatchRun;
}

/**
 * A `ModelClient` over OpenAI's Responses API (`openai-responses:MODEL`), for models served only there.
 * The same contract as Chat Completions: strict `json_schema` output (`text.format`), the system prompt
 * as `instructions`, pictures as `input_image`, read-only tools as function calls whose outputs go back
 * as `function_call_output` items. Nothing is stored on OpenAI's side (`store: false`): each turn of a
 * tool loop sends the whole conversation, as Chat Completions does.
 */
export function createResponsesClient(opts: ResponsesClientOptions): ModelClient {
  const { model } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const id = `openai-responses:${model}`;
  const sdk = openaiSdk(id, { apiKey: opts.apiKey, baseURL: opts.baseURL, timeoutMs });
  const batcher = opts.batch
    ? opts.batch.batcher<ResponseParams, Response>(
        id,
        model,
        openaiBatches<ResponseParams, Response>(sdk, "/v1/responses"),
        (response) => toUsage(response.usage),
      )
    : undefined;

  async function complete(request: StructuredRequest): Promise<ModelAnswer> {
    const params = buildParams(model, request);
    const input = [...(params.input as InputItem[])];
    return namedErrors(id, async () => {
      if (batcher && !request.tools && request.batchKey !== undefined) {
        const { response, latencyMs } = batcher.request(params, request.batchKey, request.signal);
        return toAnswer(response, { latencyMs, attempts: 1 }, NO_USAGE);
      }
      // With tools, each `function_call` goes back into the input with its `function_call_output`.
      const { response, prior, attempts, latencyMs } = await runTurns<Response>({
        request,
        retry: opts.retry,
        timeoutMs,
        classify: classifyOpenAIError,
        send: (signal) => sdk.responses.create({ ...params, input }, { signal }),
        calls: (response) =>
          response.output.flatMap((item) =>
            item.type === "function_call"
              ? [{ id: item.call_id, name: item.name, arguments: parseArguments(item.arguments) }]
              : [],
          ),
        answered: (response, outputs) => {
          for (const { call, output } of outputs) {
            const made = response.output.find(
              (item) => item.type === "function_call" && item.call_id === call.id,
            );
            if (made?.type === "function_call") {
              input.push({
                type: "function_call",
                call_id: made.call_id,
                name: made.name,
                arguments: made.arguments,
              });
            }
            input.push({ type: "function_call_output", call_id: call.id, output });
          }
        },
        usage: (response) => toUsage(response.usage),
      });
      return toAnswer(response, { latencyMs, attempts }, prior);
    });
  }

  return { id, provider: "openai-responses", model, complete };
}

function buildParams(model: string, request: StructuredRequest): ResponseParams {
  const { settings } = request;
  return {
    model,
    instructions: request.system,
    input: request.messages.map(toInputItem),
    max_output_tokens: request.maxOutputTokens,
    store: false,
    ...(request.cacheKey === undefined ? {} : { prompt_cache_key: request.cacheKey }),
    ...(settings?.reasoningEffort === undefined
      ? {}
      : { reasoning: { effort: settings.reasoningEffort as OpenAI.ReasoningEffort } }),
    ...(settings?.temperature === undefined ? {} : { temperature: settings.temperature }),
    text: {
      format: {
        type: "json_schema",
        name: request.schemaName,
        description: request.schemaDescription,
        schema: request.schema,
        strict: true,
      },
    },
    ...(request.tools
      ? {
          tools: request.tools.specs.map((spec) => ({
            type: "function" as const,
            name: spec.name,
            description: spec.description,
            parameters: spec.parameters,
            strict: false,
          })),
        }
      : {}),
  };
}

/** A message as the Responses API takes it: text (`input_text` / `output_text`), then `input_image` parts. */
function toInputItem({ role, content, images }: ChatMessage): InputItem {
  if (role === "assistant" || images === undefined || images.length === 0) {
    return { type: "message", role, content };
  }
  return {
    type: "message",
    role,
    content: [
      { type: "input_text", text: content },
      ...images.map((image) => ({
        type: "input_image" as const,
        detail: "auto" as const,
        image_url: `data:${image.mediaType};base64,${image.data}`,
      })),
    ],
  };
}

function toAnswer(
  response: Response,
  meta: { latencyMs: number; attempts: number },
  prior: Usage,
): ModelAnswer {
  const usage = addUsage(prior, toUsage(response.usage));
  const parts = response.output.flatMap((item) => (item.type === "message" ? item.content : []));
  const refusal = parts.flatMap((part) => (part.type === "refusal" ? [part.refusal] : [])).join("\n");
  const text = parts.flatMap((part) => (part.type === "output_text" ? [part.text] : [])).join("");
  const reason = response.incomplete_details?.reason;
  if (refusal || reason === "content_filter")
    return { kind: "refused", text: refusal || text, usage, ...meta };
  if (response.status === "incomplete") return { kind: "truncated", text, usage, ...meta };
  if (response.status === "failed" || response.error) {
    throw new ModelError("server", `the response failed: ${response.error?.message ?? "no reason given"}`);
  }
  const objects = findJsonObjects(text);
  if (objects.length > 1) return { kind: "ambiguous", text, candidates: objects.length, usage, ...meta };
  return { kind: "answer", text: objects[0] ?? text, usage, ...meta };
}

function toUsage(usage: Response["usage"]): Usage {
  return {
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    cachedInputTokens: usage?.input_tokens_details.cached_tokens ?? 0,
  };
}
