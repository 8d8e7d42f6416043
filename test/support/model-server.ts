/**
 * A local model server for tests: it speaks the OpenAI Chat Completions, OpenAI Responses and the
 * Anthropic Messages wire formats, so the real SDKs talk to it through a base-URL override (`openaiBaseURL`,
 * `anthropicBaseURL`, or `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`). Every request is captured in
 * `requests` and answered by a handler that returns a `Reply`: a structured answer (`{ json }`), raw or
 * malformed text (`{ text }`), a truncation, a refusal, an HTTP error with headers (429 + `retry-after`,
 * 529, 402 / `insufficient_quota`), a slow answer (`{ delayMs, then }`) or a dropped connection. A test
 * scripts a judge or a writer by looking at the request: `requestText(req)` holds the prompt,
 * `requestSchema(req)` the JSON schema sent and `requestSchemaName(req)` its name, so one handler can
 * answer the judge's schema with verdicts and the writer's with edits; `sequence(...)` scripts
 * call-by-call behaviour such as "fail with 500, then succeed".
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { batchRoutes, type BatchBehaviour, type StoredBatch } from "./model-batches.js";

export type WireProvider = "openai" | "anthropic";

/** One request as the server received it. */
export interface CapturedRequest {
  /** Which wire format the path belongs to. */
  provider: WireProvider;
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when there was none or it did not parse). */
  body: unknown;
  /** 0-based position among all requests this server received. */
  index: number;
  /** The batch this request came in (the batch APIs); absent for an online call. */
  batch?: string;
}

/**
 * Token counts of an answer. `input` is the whole prompt, cached and cache-written tokens included
 * (OpenAI's `prompt_tokens`); for Anthropic it is split into `input_tokens`, `cache_read_input_tokens`
 * (`cached`) and `cache_creation_input_tokens` (`cacheWrite`). Unset counts are computed from sizes.
 */
export type ReplyUsage = Partial<{ input: number; output: number; cached: number; cacheWrite: number }>;

/** How the server answers one request. */
export type Reply =
  /** A structured answer: OpenAI content = the JSON text; Anthropic a `tool_use` of the forced tool. */
  | { json: unknown; usage?: ReplyUsage }
  /** Several structured answers in one: OpenAI content = the objects one per line; Anthropic one `tool_use` each. */
  | { jsons: unknown[]; usage?: ReplyUsage }
  /** Raw content (e.g. malformed JSON). Anthropic: a text block, no tool call. */
  | { text: string; usage?: ReplyUsage }
  /** Cut off at the token limit: `finish_reason: "length"` / `stop_reason: "max_tokens"`. */
  | { truncated: true; text?: string; usage?: ReplyUsage }
  /** OpenAI `message.refusal`; Anthropic `stop_reason: "refusal"`. */
  | { refusal: string; usage?: ReplyUsage }
  /** An HTTP error in the provider's error format. */
  | {
      status: number;
      headers?: Record<string, string>;
      error?: { type?: string; code?: string; message?: string };
      usage?: ReplyUsage;
    }
  /** Answers `then` after a pause (or never, when the client gives up first). */
  | { delayMs: number; then: Reply; usage?: ReplyUsage }
  /** Destroys the socket without answering. */
  | { drop: true; usage?: ReplyUsage }
  /**
   * Calls of the request's (non-answer) tools: OpenAI `message.tool_calls` with `finish_reason:
   * "tool_calls"`; Anthropic `tool_use` blocks with `stop_reason: "tool_use"`.
   */
  | { toolCalls: Array<{ name: string; arguments: unknown }>; usage?: ReplyUsage };

export type Handler = (request: CapturedRequest) => Reply | Promise<Reply>;

export interface ModelServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `url + "/v1"`, the OpenAI SDK's `baseURL`. */
  openaiBaseURL: string;
  /** `url`, the Anthropic SDK's `baseURL`. */
  anthropicBaseURL: string;
  /** Every request received, in order (each request of a batch too, with its `batch`). */
  requests: CapturedRequest[];
  /** Every batch created through either provider's batch API. */
  batches: StoredBatch[];
  /** How batches behave: how long they take, whether they expire. */
  batchBehaviour: BatchBehaviour;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (free port). Without a handler, every call gets `{ json: {} }`. */
export async function startModelServer(handler: Handler = () => ({ json: {} })): Promise<ModelServer> {
  let current = handler;
  const requests: CapturedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res
          .writeHead(500, { "content-type": "text/plain" })
          .end(`model-server handler failed: ${String(error)}`);
      }
    });
  });

  const batchApi = batchRoutes({
    handler: () => current,
    check: (captured) => (captured.provider === "openai" ? checkOpenAI(captured) : checkAnthropic(captured)),
    wire: (captured, reply) =>
      captured.provider === "openai" ? openaiResponse(captured, reply) : anthropicResponse(captured, reply),
    capture: (captured) => {
      const full = { ...captured, index: requests.length };
      requests.push(full);
      return full;
    },
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await readBody(req);
    const raw = bytes.toString("utf8");
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const headers = flattenHeaders(req);
    const provider: WireProvider =
      path.startsWith("/v1/messages") || "anthropic-version" in headers ? "anthropic" : "openai";
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const captured: CapturedRequest = { provider, path, headers, body, index: requests.length };
    requests.push(captured);
    const batchAnswer = await batchApi.route(req.method ?? "GET", path, bytes, headers, url);
    if (batchAnswer) {
      res.writeHead(batchAnswer.status, { "content-type": batchAnswer.contentType ?? "application/json" });
      res.end(typeof batchAnswer.body === "string" ? batchAnswer.body : JSON.stringify(batchAnswer.body));
      return;
    }

    const known =
      req.method === "POST" &&
      ((provider === "openai" && (path === "/v1/chat/completions" || path === "/v1/responses")) ||
        (provider === "anthropic" && path === "/v1/messages"));
    if (!known) {
      const message = `no route for ${req.method ?? "?"} ${path} on the local model server`;
      return send(res, captured, { status: 404, error: { message } });
    }
    const rejection = provider === "openai" ? checkOpenAI(captured) : checkAnthropic(captured);
    await send(res, captured, rejection ?? (await current(captured)));
  }

  async function send(res: ServerResponse, req: CapturedRequest, reply: Reply): Promise<void> {
    if (res.destroyed) return;
    if ("drop" in reply) {
      res.socket?.destroy();
      return;
    }
    if ("delayMs" in reply) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, reply.delayMs);
        timers.add(timer);
        // The client gave up (timeout, abort): stop waiting.
        res.once("close", () => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve();
        });
      });
      return send(res, req, reply.then);
    }
    const [status, payload, extraHeaders] =
      req.provider === "openai" ? openaiResponse(req, reply) : anthropicResponse(req, reply);
    const requestId = `req_local_${req.index}`;
    res.writeHead(status, {
      "content-type": "application/json",
      [req.provider === "openai" ? "x-request-id" : "request-id"]: requestId,
      ...extraHeaders,
    });
    res.end(JSON.stringify(payload));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    batches: batchApi.batches,
    batchBehaviour: batchApi.behaviour,
    setHandler(next) {
      current = next;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}

/** A handler that answers the n-th call with the n-th reply, and every later call with the last one. */
export function sequence(...replies: Reply[]): Handler {
  if (replies.length === 0) throw new Error("sequence() needs at least one reply");
  let calls = 0;
  return () => replies[Math.min(calls++, replies.length - 1)] as Reply;
}

/** All system and message text of a request, whatever the provider, joined by newlines. */
export function requestText(req: CapturedRequest): string {
  const parts: string[] = [];
  if (req.provider === "anthropic") parts.push(...textsOf(get(req.body, "system")));
  if (isResponses(req)) {
    parts.push(...textsOf(get(req.body, "instructions")));
    const input = get(req.body, "input");
    for (const item of Array.isArray(input) ? input : []) parts.push(...textsOf(get(item, "content")));
    return parts.join("\n");
  }
  const messages = get(req.body, "messages");
  if (Array.isArray(messages)) {
    for (const message of messages) parts.push(...textsOf(get(message, "content")));
  }
  return parts.join("\n");
}

/** The JSON schema sent: OpenAI `response_format.json_schema.schema`, Anthropic the forced tool's `input_schema`; null in prompt mode. */
export function requestSchema(req: CapturedRequest): Record<string, unknown> | null {
  const schema = isResponses(req)
    ? get(req.body, "text", "format", "schema")
    : req.provider === "openai"
      ? get(req.body, "response_format", "json_schema", "schema")
      : get(forcedTool(req), "input_schema");
  return isRecord(schema) ? schema : null;
}

/** The schema's name: OpenAI `json_schema.name`, Anthropic the forced tool's name; null when none. */
export function requestSchemaName(req: CapturedRequest): string | null {
  const name = isResponses(req)
    ? get(req.body, "text", "format", "name")
    : req.provider === "openai"
      ? get(req.body, "response_format", "json_schema", "name")
      : get(forcedTool(req), "name");
  return typeof name === "string" ? name : null;
}

// ---- request checks: what the real APIs reject before any model runs ----

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function invalid(message: string): Reply {
  return { status: 400, error: { message } };
}

const OPENAI_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"];

function checkOpenAI(req: CapturedRequest): Reply | null {
  if (!/^Bearer \S+/.test(req.headers["authorization"] ?? "")) {
    return {
      status: 401,
      error: { code: "invalid_api_key", message: "Missing bearer authentication in header" },
    };
  }
  const { body } = req;
  if (!isRecord(body)) return invalid("request body is not a JSON object");
  if (typeof body["model"] !== "string") return invalid("you must provide a model parameter");
  const temperature = body["temperature"];
  if (temperature !== undefined && (typeof temperature !== "number" || temperature < 0 || temperature > 2))
    return invalid(
      `Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got ${JSON.stringify(temperature)} instead.`,
    );
  const effort = req.path === "/v1/responses" ? get(body, "reasoning", "effort") : body["reasoning_effort"];
  if (effort !== undefined && (typeof effort !== "string" || !OPENAI_EFFORTS.includes(effort)))
    return invalid(
      `Invalid value: '${JSON.stringify(effort)}'. Supported values are: ${OPENAI_EFFORTS.map((e) => `'${e}'`).join(", ")}.`,
    );
  if (req.path === "/v1/responses") return checkResponses(body);
  const messages = body["messages"];
  if (!Array.isArray(messages) || messages.length === 0)
    return invalid("'messages' must be a non-empty array");
  for (const message of messages) {
    const content = get(message, "content");
    if (!Array.isArray(content)) continue;
    for (const part of content as unknown[]) {
      const type = get(part, "type");
      if (type === "text") continue;
      if (type !== "image_url") return invalid(`Invalid content part type: '${String(type)}'`);
      if (get(message, "role") !== "user")
        return invalid("Image URLs are only allowed for messages with role 'user'");
      const url = get(part, "image_url", "url");
      if (
        typeof url !== "string" ||
        !/^(data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+|https:\/\/)/.test(url)
      ) {
        return invalid(
          "Invalid image_url: expected a base64 data URL of a PNG, JPEG, GIF or WebP image, or an https URL",
        );
      }
    }
  }
  // A `tool` message must answer a tool call of an earlier assistant message, as the API requires.
  const callIds = new Set<string>();
  for (const message of messages) {
    const calls = get(message, "tool_calls");
    if (Array.isArray(calls)) for (const call of calls) callIds.add(String(get(call, "id")));
    if (get(message, "role") === "tool" && !callIds.has(String(get(message, "tool_call_id")))) {
      return invalid(
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
      );
    }
  }
  const format = get(body, "response_format", "type");
  if (format === "json_schema") {
    const name = get(body, "response_format", "json_schema", "name");
    if (typeof name !== "string" || !NAME.test(name)) {
      return invalid("response_format.json_schema.name must match ^[a-zA-Z0-9_-]{1,64}$");
    }
  }
  return null;
}

/** What the Responses API rejects: chat-style fields, unknown input items, unanswered function outputs. */
function checkResponses(body: Record<string, unknown>): Reply | null {
  if ("messages" in body)
    return invalid("Unsupported parameter: 'messages'. In the Responses API, use 'input'.");
  if ("response_format" in body)
    return invalid("Unsupported parameter: 'response_format'. In the Responses API, use 'text.format'.");
  const input = body["input"];
  if (!Array.isArray(input) || input.length === 0) return invalid("'input' must be a non-empty array");
  const calls = new Set<string>();
  for (const item of input) {
    const type = get(item, "type") ?? "message";
    if (type === "function_call") calls.add(String(get(item, "call_id")));
    else if (type === "function_call_output") {
      if (!calls.has(String(get(item, "call_id"))))
        return invalid(
          `No tool call found for function call output with call_id ${String(get(item, "call_id"))}.`,
        );
    } else if (type === "message") {
      const content = get(item, "content");
      if (typeof content === "string") continue;
      if (!Array.isArray(content)) return invalid("input[].content must be a string or an array");
      for (const part of content as unknown[]) {
        const kind = get(part, "type");
        if (kind === "input_text" || (kind === "output_text" && get(item, "role") === "assistant")) continue;
        if (kind !== "input_image") return invalid(`Invalid value: '${String(kind)}'.`);
        const url = get(part, "image_url");
        if (typeof url !== "string" || !/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(url))
          return invalid("Invalid 'input[].content[].image_url': expected a base64 data URL or an https URL");
      }
    } else return invalid(`Invalid input item type: ${JSON.stringify(type)}`);
  }
  if (get(body, "text", "format", "type") === "json_schema") {
    const name = get(body, "text", "format", "name");
    if (typeof name !== "string" || !NAME.test(name))
      return invalid("text.format.name must match ^[a-zA-Z0-9_-]{1,64}$");
  }
  const tools = body["tools"];
  for (const tool of Array.isArray(tools) ? tools : []) {
    if (get(tool, "type") !== "function" || typeof get(tool, "name") !== "string")
      return invalid(
        "tools[]: a function tool needs type 'function' and a name (no nested 'function' object)",
      );
  }
  return null;
}

function checkAnthropic(req: CapturedRequest): Reply | null {
  if (!req.headers["x-api-key"] && !req.headers["authorization"]) {
    return { status: 401, error: { message: "x-api-key header is required" } };
  }
  if (!req.headers["anthropic-version"]) return invalid("anthropic-version: header is required");
  const { body } = req;
  if (!isRecord(body)) return invalid("request body is not a JSON object");
  if (typeof body["model"] !== "string") return invalid("model: Field required");
  if (typeof body["max_tokens"] !== "number") return invalid("max_tokens: Field required");
  const messages = body["messages"];
  if (!Array.isArray(messages) || messages.length === 0)
    return invalid("messages: at least one message is required");
  let breakpoints = 0;
  const blocks = [body["system"], ...messages.map((m) => get(m, "content")), body["tools"]].flatMap((c) =>
    Array.isArray(c) ? (c as unknown[]) : [],
  );
  for (const block of blocks) {
    if (get(block, "type") === "image") {
      const mediaType = get(block, "source", "media_type");
      const data = get(block, "source", "data");
      if (
        get(block, "source", "type") !== "base64" ||
        typeof data !== "string" ||
        !/^[A-Za-z0-9+/=]+$/.test(data)
      ) {
        return invalid("image.source: expected { type: 'base64', media_type, data } with base64 data");
      }
      if (!["image/jpeg", "image/png", "image/gif", "image/webp"].includes(String(mediaType))) {
        return invalid(
          `image.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
        );
      }
      if (Buffer.from(data, "base64").length > 5 * 1024 * 1024) return invalid("image exceeds 5 MB maximum");
    }
    if (get(block, "cache_control") !== undefined) breakpoints++;
    const text = get(block, "text");
    if (get(block, "type") === "text" && (typeof text !== "string" || !text.trim())) {
      return invalid("text content blocks must contain non-whitespace text");
    }
  }
  if (breakpoints > 4)
    return invalid(`a maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`);
  // Each tool_result answers a tool_use of the assistant message just before it.
  for (const [i, message] of messages.entries()) {
    const content = get(message, "content");
    if (!Array.isArray(content)) continue;
    const previous = i > 0 ? get(messages[i - 1], "content") : undefined;
    const uses = new Set(
      (Array.isArray(previous) ? previous : [])
        .filter((b) => get(b, "type") === "tool_use")
        .map((b) => String(get(b, "id"))),
    );
    for (const block of content) {
      if (get(block, "type") === "tool_result" && !uses.has(String(get(block, "tool_use_id")))) {
        return invalid(
          `messages.${i}.content: unexpected tool_use_id found in tool_result blocks: ${String(get(block, "tool_use_id"))}. Each tool_result block must have a corresponding tool_use block in the previous message.`,
        );
      }
    }
  }
  const tools = body["tools"];
  const toolNames = Array.isArray(tools) ? tools.map((tool) => get(tool, "name")) : [];
  const badName = toolNames.find((name) => typeof name !== "string" || !NAME.test(name));
  if (badName !== undefined) return invalid(`tools: name must match ^[a-zA-Z0-9_-]{1,64}$`);
  const forced = get(body, "tool_choice", "name");
  if (get(body, "tool_choice", "type") === "tool" && !toolNames.includes(forced)) {
    return invalid(`tool_choice: tool ${JSON.stringify(forced)} not found in tools`);
  }
  return null;
}

// ---- wire formats ----

type Wire = [status: number, payload: unknown, headers: Record<string, string>];

function openaiResponse(req: CapturedRequest, reply: Reply): Wire {
  if (req.path === "/v1/responses" && !("status" in reply)) return responsesResponse(req, reply);
  if ("status" in reply) {
    const type = reply.error?.type ?? OPENAI_ERROR_TYPES[reply.status] ?? "server_error";
    const error = {
      message: reply.error?.message ?? `local model server: HTTP ${reply.status}`,
      type,
      code: reply.error?.code ?? null,
      param: null,
    };
    return [reply.status, { error }, reply.headers ?? {}];
  }
  let content: string | null = null;
  let refusal: string | null = null;
  let finishReason = "stop";
  let toolCalls: unknown[] | undefined;
  if ("toolCalls" in reply) {
    finishReason = "tool_calls";
    toolCalls = reply.toolCalls.map((call, n) => ({
      id: `call_local${req.index}_${n}`,
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    }));
  } else if ("refusal" in reply) refusal = reply.refusal;
  else if ("truncated" in reply) {
    content = reply.text ?? "";
    finishReason = "length";
  } else if ("json" in reply) content = JSON.stringify(reply.json);
  else if ("jsons" in reply) content = reply.jsons.map((j) => JSON.stringify(j)).join("\n");
  else if ("text" in reply) content = reply.text;
  const usage = usageFor(req, content ?? refusal ?? JSON.stringify(toolCalls ?? ""), reply.usage);
  const completion = {
    id: `chatcmpl-local${req.index}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: stringAt(req.body, "model") ?? "local-model",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          refusal,
          annotations: [],
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      prompt_tokens_details: { cached_tokens: usage.cached, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: "default",
    system_fingerprint: "fp_local",
  };
  return [200, completion, {}];
}

/** A Responses API `response` object: output items (message, refusal, function calls), status and usage. */
function responsesResponse(req: CapturedRequest, reply: Reply): Wire {
  const output: unknown[] = [];
  let status = "completed";
  let incomplete: unknown = null;
  let text = "";
  const message = (content: unknown[]) =>
    output.push({
      type: "message",
      id: `msg_local${req.index}`,
      status: "completed",
      role: "assistant",
      content,
    });
  const outputText = (value: string) => ({ type: "output_text", text: value, annotations: [], logprobs: [] });
  if ("toolCalls" in reply) {
    text = JSON.stringify(reply.toolCalls);
    reply.toolCalls.forEach((call, n) =>
      output.push({
        type: "function_call",
        id: `fc_local${req.index}_${n}`,
        call_id: `call_local${req.index}_${n}`,
        name: call.name,
        arguments: JSON.stringify(call.arguments),
        status: "completed",
      }),
    );
  } else if ("refusal" in reply) {
    text = reply.refusal;
    message([{ type: "refusal", refusal: reply.refusal }]);
  } else if ("truncated" in reply) {
    text = reply.text ?? "";
    status = "incomplete";
    incomplete = { reason: "max_output_tokens" };
    if (text) message([outputText(text)]);
  } else {
    text =
      "json" in reply
        ? JSON.stringify(reply.json)
        : "jsons" in reply
          ? reply.jsons.map((j) => JSON.stringify(j)).join("\n")
          : "text" in reply
            ? reply.text
            : "";
    message([outputText(text)]);
  }
  const usage = usageFor(req, text, reply.usage);
  const response = {
    id: `resp_local${req.index}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: incomplete,
    instructions: get(req.body, "instructions") ?? null,
    model: stringAt(req.body, "model") ?? "local-model",
    output,
    parallel_tool_calls: true,
    temperature: get(req.body, "temperature") ?? 1,
    tool_choice: "auto",
    tools: get(req.body, "tools") ?? [],
    top_p: 1,
    metadata: {},
    reasoning: get(req.body, "reasoning") ?? null,
    text: get(req.body, "text") ?? null,
    store: get(req.body, "store") ?? true,
    usage: {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: usage.cached, cache_write_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
  };
  return [200, response, {}];
}

function anthropicResponse(req: CapturedRequest, reply: Reply): Wire {
  if ("status" in reply) {
    const error = {
      type: reply.error?.type ?? ANTHROPIC_ERROR_TYPES[reply.status] ?? "api_error",
      message: reply.error?.message ?? `local model server: HTTP ${reply.status}`,
    };
    return [
      reply.status,
      { type: "error", error, request_id: `req_local_${req.index}` },
      reply.headers ?? {},
    ];
  }
  const content: unknown[] = [];
  let stopReason = "end_turn";
  let stopDetails: unknown = null;
  let outputText = "";
  const tool = stringAt(forcedTool(req), "name");
  if ("toolCalls" in reply) {
    stopReason = "tool_use";
    outputText = JSON.stringify(reply.toolCalls);
    reply.toolCalls.forEach((call, n) => {
      content.push({
        type: "tool_use",
        id: `toolu_local${req.index}_${n}`,
        name: call.name,
        input: call.arguments,
        caller: { type: "direct" },
      });
    });
  } else if ("refusal" in reply) {
    stopReason = "refusal";
    stopDetails = { type: "refusal", category: null, explanation: reply.refusal };
    outputText = reply.refusal;
  } else if ("truncated" in reply) {
    stopReason = "max_tokens";
    outputText = reply.text ?? "";
    if (outputText) content.push(textBlock(outputText));
  } else if ("json" in reply && tool) {
    stopReason = "tool_use";
    outputText = JSON.stringify(reply.json);
    content.push({
      type: "tool_use",
      id: `toolu_local${req.index}`,
      name: tool,
      input: reply.json,
      caller: { type: "direct" },
    });
  } else if ("jsons" in reply && tool) {
    stopReason = "tool_use";
    outputText = reply.jsons.map((j) => JSON.stringify(j)).join("\n");
    reply.jsons.forEach((input, n) => {
      content.push({
        type: "tool_use",
        id: `toolu_local${req.index}_${n}`,
        name: tool,
        input,
        caller: { type: "direct" },
      });
    });
  } else if ("json" in reply || "text" in reply) {
    outputText = "json" in reply ? JSON.stringify(reply.json) : reply.text;
    content.push(textBlock(outputText));
  }
  const usage = usageFor(req, outputText, reply.usage);
  const message = {
    id: `msg_local${req.index}`,
    type: "message",
    role: "assistant",
    model: stringAt(req.body, "model") ?? "local-model",
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: stopDetails,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: Math.max(0, usage.input - usage.cached - usage.cacheWrite),
      cache_creation_input_tokens: usage.cacheWrite,
      cache_read_input_tokens: usage.cached,
      cache_creation: null,
      output_tokens: usage.output,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: "standard",
      inference_geo: null,
      speed: null,
    },
  };
  return [200, message, {}];
}

const OPENAI_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  403: "invalid_request_error",
  404: "invalid_request_error",
  429: "requests",
};

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

function textBlock(text: string): unknown {
  return { type: "text", text, citations: null };
}

/** About four characters a token: enough for tests that only need plausible, size-dependent counts. */
function usageFor(req: CapturedRequest, output: string, given: ReplyUsage = {}): Required<ReplyUsage> {
  const input =
    given.input ?? Math.ceil((requestText(req).length + JSON.stringify(requestSchema(req) ?? "").length) / 4);
  return {
    input,
    output: given.output ?? Math.ceil(output.length / 4),
    cached: given.cached ?? 0,
    cacheWrite: given.cacheWrite ?? 0,
  };
}

/** The answer tool: the forced one, or (with `tool_choice: any`, beside grader tools) the last one. */
function forcedTool(req: CapturedRequest): unknown {
  const tools = get(req.body, "tools");
  if (!Array.isArray(tools)) return undefined;
  if (get(req.body, "tool_choice", "type") === "any") return tools[tools.length - 1];
  const forced = get(req.body, "tool_choice", "name");
  return tools.find((tool) => get(tool, "name") === forced) ?? tools[0];
}

/** The outputs of tool calls sent back in a request, in order: OpenAI `tool` messages, Anthropic `tool_result` blocks. */
export function requestToolResults(req: CapturedRequest): Array<{ id: string; content: string }> {
  if (isResponses(req)) {
    const input = get(req.body, "input");
    return (Array.isArray(input) ? input : [])
      .filter((item) => get(item, "type") === "function_call_output")
      .map((item) => ({ id: String(get(item, "call_id")), content: String(get(item, "output")) }));
  }
  const messages = get(req.body, "messages");
  if (!Array.isArray(messages)) return [];
  const out: Array<{ id: string; content: string }> = [];
  for (const message of messages) {
    if (req.provider === "openai" && get(message, "role") === "tool") {
      out.push({
        id: String(get(message, "tool_call_id")),
        content: textsOf(get(message, "content")).join(""),
      });
    }
    const content = get(message, "content");
    if (req.provider === "anthropic" && Array.isArray(content)) {
      for (const block of content) {
        if (get(block, "type") !== "tool_result") continue;
        out.push({ id: String(get(block, "tool_use_id")), content: textsOf(get(block, "content")).join("") });
      }
    }
  }
  return out;
}

/** The names of the tools a request offers besides its answer tool (OpenAI `tools`; Anthropic all but the last with `tool_choice: any`). */
export function requestToolNames(req: CapturedRequest): string[] {
  const tools = get(req.body, "tools");
  if (!Array.isArray(tools)) return [];
  if (isResponses(req)) return tools.map((t) => String(get(t, "name")));
  if (req.provider === "openai") return tools.map((t) => String(get(t, "function", "name")));
  return get(req.body, "tool_choice", "type") === "any"
    ? tools.slice(0, -1).map((t) => String(get(t, "name")))
    : [];
}

/** Whether the request went to OpenAI's Responses API. */
export function isResponses(req: CapturedRequest): boolean {
  return req.provider === "openai" && req.path === "/v1/responses";
}

function textsOf(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => {
    const text = get(part, "text");
    return typeof text === "string" ? [text] : [];
  });
}

/** The value at `path` inside a JSON body, or undefined. */
export function get(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isRecord(at)) return undefined;
    at = at[key];
  }
  return at;
}

function stringAt(value: unknown, ...path: string[]): string | undefined {
  const at = get(value, ...path);
  return typeof at === "string" ? at : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The pictures a request carried as image inputs, in either wire format: media type and bytes. */
export function requestImages(req: CapturedRequest): Array<{ mediaType: string; bytes: Buffer }> {
  const out: Array<{ mediaType: string; bytes: Buffer }> = [];
  const messages = get(req.body, isResponses(req) ? "input" : "messages");
  for (const message of Array.isArray(messages) ? messages : []) {
    const content = get(message, "content");
    for (const part of Array.isArray(content) ? (content as unknown[]) : []) {
      const url =
        get(part, "type") === "input_image" ? get(part, "image_url") : get(part, "image_url", "url");
      const data = /^data:(image\/[a-z]+);base64,(.*)$/.exec(typeof url === "string" ? url : "");
      if (data) out.push({ mediaType: data[1]!, bytes: Buffer.from(data[2]!, "base64") });
      if (get(part, "type") === "image") {
        out.push({
          mediaType: String(get(part, "source", "media_type")),
          bytes: Buffer.from(String(get(part, "source", "data")), "base64"),
        });
      }
    }
  }
  return out;
}
