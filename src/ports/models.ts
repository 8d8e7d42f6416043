/** A JSON Schema object, as sent to a model for structured output. */
export type JsonSchema = Record<string, unknown>;

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
  /** Anthropic: chars of `content` before this offset are a stable prefix, sent as a cached text block. */
  cacheUpTo?: number;
  /** Pictures sent after the text as image inputs, in each provider's vision format (user messages). */
  images?: ImageInput[];
}

/** A picture for a model: base64 bytes of one of the types both providers take. */
export interface ImageInput {
  mediaType: "image/png" | "image/jpeg" | "image/gif" | "image/webp";
  /** Base64 of the file's bytes. */
  data: string;
}

/** One structured-output request: the provider adapter maps it onto its wire format. */
export interface StructuredRequest {
  /** Instructions (system prompt). Stable across calls, so providers can cache it. */
  system: string;
  /** Conversation; the last message is the user's. Stable content first, variable content last. */
  messages: ChatMessage[];
  /** Name of the answer schema (OpenAI `json_schema.name`, Anthropic tool name). */
  schemaName: string;
  schemaDescription: string;
  schema: JsonSchema;
  maxOutputTokens: number;
  /**
   * Names the stable prefix this request shares with others (same instructions, rubric and schema),
   * so a provider that routes by it can serve the prefix from its cache: OpenAI's `prompt_cache_key`.
   */
  cacheKey?: string;
  /**
   * The per-call nonce of the data delimiters, when the request has one. A batch names its requests by
   * their content without it (SPEC §12), so the same request in a resumed run finds the batch it went in.
   */
  nonce?: string;
  /**
   * In a batch run, the request's name (SPEC §12): its file, its content without the nonce, and which
   * occurrence of that content in the file's grading it is. Set by the engine; the batch's `custom_id`.
   */
  batchKey?: string;
  /** Cancels the call (run budget, user interrupt). */
  signal?: AbortSignal;
  /**
   * Read-only tools the model may call before it answers (SPEC §10). The adapter runs the provider's
   * tool-calling loop: each call goes to `run`, its result back to the model as the tool's output,
   * until the model gives the structured answer. `run` throws `ToolLimitError` to end the loop.
   */
  tools?: ToolUse;
  /** Reasoning effort and temperature, as the rubric, flag or input set them; unset: the model's defaults. */
  settings?: ModelSettings;
}

/** Reasoning effort levels: OpenAI takes none to xhigh; Anthropic's `effort` low to max. */
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** Per-role model options: sent only when set, so a model that takes neither is not refused. */
export interface ModelSettings {
  reasoningEffort?: ReasoningEffort;
  /** 0–2 for OpenAI, 0–1 for Anthropic. Reasoning models take none. */
  temperature?: number;
}

/** A tool a model may call, with the JSON schema of its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export interface ToolUse {
  specs: ToolSpec[];
  /** Runs one call; the text returned is what the model sees. */
  run(call: { name: string; arguments: unknown }): Promise<string>;
}

/** A tool loop went past one of its bounds (calls, bytes): the grade is an error, never a verdict. */
export class ToolLimitError extends Error {
  override readonly name = "ToolLimitError";
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (subset of, or reported beside, inputTokens). */
  cachedInputTokens: number;
}

interface AnswerMeta {
  usage: Usage;
  latencyMs: number;
  attempts: number;
}

/**
 * What came back from one model call. `text` is raw: validation belongs to the caller. An answer that
 * holds several candidate results (several JSON objects, several calls of the answer tool) is
 * `ambiguous`: no candidate is picked, since one may be echoed from the artifact.
 */
export type ModelAnswer =
  | ({ kind: "answer"; text: string } & AnswerMeta)
  | ({ kind: "truncated"; text: string } & AnswerMeta)
  | ({ kind: "refused"; text: string } & AnswerMeta)
  | ({ kind: "ambiguous"; text: string; candidates: number } & AnswerMeta);

/** A model endpoint with one model: judge or writer. */
export interface ModelClient {
  /** `provider:model`, as the user wrote it. */
  readonly id: string;
  readonly provider: ProviderName;
  readonly model: string;
  /**
   * Whether pictures are sent to this model as image inputs (SPEC §9). When false, the judge is told
   * the pictures exist but are not shown. Unset means true.
   */
  readonly takesImages?: boolean;
  complete(request: StructuredRequest): Promise<ModelAnswer>;
}

/** `openai-responses`: OpenAI's Responses API, for models served only there. */
export type ProviderName = "openai" | "openai-responses" | "anthropic" | "openai-compatible";

/**
 * Whether pictures go to a model as image inputs: `auto` for OpenAI and Anthropic but not for
 * OpenAI-compatible servers (many of whose models take no images); `on` or `off` for every model.
 */
export const IMAGES_MODES = ["auto", "on", "off"] as const;
export type ImagesMode = (typeof IMAGES_MODES)[number];

/** Why a model call failed for good (after bounded retries). */
export type ModelErrorKind =
  | "auth" // bad or missing key
  | "quota" // insufficient_quota / billing: fails fast, never retried
  | "rate_limit" // 429 whose retry-after does not fit the deadline, or retries used up
  | "timeout" // per-call timeout or deadline
  | "connection" // endpoint down, connection dropped
  | "server" // 5xx after retries
  | "bad_request" // 4xx the request itself caused
  | "aborted" // cancelled by the run (interrupt, a token or cost budget)
  | "deadline"; // the run's time budget ran out (before, during or instead of waiting for a retry)

export class ModelError extends Error {
  override readonly name = "ModelError";
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; endpointDown?: boolean },
  ) {
    super(message, options);
    this.endpointDown = options?.endpointDown ?? false;
  }
  /**
   * The endpoint itself is unusable for this run (connection refused, key refused, model unknown): it
   * was found out once, and no later call is sent to it.
   */
  readonly endpointDown: boolean;
}

/** The run stopped this call (interrupt, or a budget ran out): the file is `interrupted`, not in error. */
export function isInterruption(error: ModelError | undefined): boolean {
  return error?.kind === "aborted" || error?.kind === "deadline";
}

/** Any failure of a model call as a `ModelError`; an unexpected throw counts as a connection failure. */
export function asModelError(error: unknown): ModelError {
  return error instanceof ModelError
    ? error
    : new ModelError("connection", String(error), undefined, { cause: error });
}

/**
 * The call went into a provider's batch, whose result is not in yet (SPEC §12): the file's grading
 * stops here and runs again, from the start, once the round's batches have ended — every answer it
 * already had is replayed from the run's answer log, so nothing is asked twice.
 */
export class BatchPending extends Error {
  override readonly name = "BatchPending";
}

/** A batch run's answers by request name: what a file graded again replays instead of asking. */
export interface AnswerLog {
  get(key: string): ModelAnswer | ModelError | undefined;
  put(key: string, value: ModelAnswer | ModelError): void;
}

/** A batch request the round settled: its name, its model, and its usage when it was answered. */
export interface SettledCall {
  key: string;
  model: string;
  usage: Usage | null;
}

/** The rounds of a batch run: what the engine drives between its passes over the files. */
export interface BatchRounds {
  readonly answers: AnswerLog;
  /**
   * Sends every request queued in the pass that just ended, waits for them and for the earlier batches
   * they were found in, and keeps each result (or its error) for the next pass. Returns each request
   * settled, with its usage when it was answered: the run pays for it now, whatever happens next.
   */
  round(signal?: AbortSignal): Promise<SettledCall[]>;
}

/** Settings from an effort and a temperature, each left out when unset. */
export function modelSettings(
  effort: ReasoningEffort | undefined,
  temperature: number | undefined,
): ModelSettings {
  return {
    ...(effort === undefined ? {} : { reasoningEffort: effort }),
    ...(temperature === undefined ? {} : { temperature }),
  };
}

/** `client` with `settings` added to every request (a request's own settings win); itself when there are none. */
export function withSettings(client: ModelClient, settings: ModelSettings): ModelClient {
  if (settings.reasoningEffort === undefined && settings.temperature === undefined) return client;
  return {
    ...client,
    complete: (request) => client.complete({ ...request, settings: { ...settings, ...request.settings } }),
  };
}

/** The settings as words for a cache key or a report (`effort high, temperature 0`); "" when none. */
export function settingsLabel(settings: ModelSettings): string {
  return [
    settings.reasoningEffort === undefined ? "" : `effort ${settings.reasoningEffort}`,
    settings.temperature === undefined ? "" : `temperature ${settings.temperature}`,
  ]
    .filter(Boolean)
    .join(", ");
}
