import type { BatchRun } from "./batch.js";
import { createAnthropicClient } from "./anthropic.js";
import { createOpenAIClient, type JsonMode } from "./openai.js";
import { createResponsesClient } from "./openai-responses.js";
import type { EndpointHealth } from "./health.js";
import type { RateLimits } from "./rate-limit.js";
import type { RetryPolicy } from "./retry.js";
import { ModelError, type ImagesMode, type ModelClient, type ProviderName } from "../ports/models.js";

const PROVIDERS: readonly ProviderName[] = ["openai", "openai-responses", "anthropic", "openai-compatible"];

/**
 * OpenAI models served only by the Responses API: `openai:` sends them there, as `openai-responses:`
 * would (Chat Completions answers them with a 404). Prefixes of the model name.
 */
export const RESPONSES_ONLY_MODELS = [
  "o1-pro",
  "o3-pro",
  "o3-deep-research",
  "o4-mini-deep-research",
  "gpt-5-pro",
  "gpt-5-codex",
  "gpt-5.1-codex",
  "codex-mini",
  "computer-use-preview",
] as const;

/** Whether `openai:model` goes to the Responses API (see `RESPONSES_ONLY_MODELS`). */
export function servedByResponses(provider: ProviderName, model: string): boolean {
  if (provider === "openai-responses") return true;
  return (
    provider === "openai" &&
    RESPONSES_ONLY_MODELS.some((prefix) => model === prefix || model.startsWith(`${prefix}-`))
  );
}

export interface ModelSpec {
  provider: ProviderName;
  model: string;
}

/** Parses `provider:model`. The model may hold colons itself (`openai-compatible:llama3.1:8b`). */
export function parseModelSpec(spec: string): ModelSpec {
  const colon = spec.indexOf(":");
  const provider = spec.slice(0, colon).trim();
  const model = spec.slice(colon + 1).trim();
  if (colon === -1 || !isProvider(provider) || !model) {
    const problem =
      colon === -1
        ? "it has no provider"
        : !isProvider(provider)
          ? `unknown provider "${provider}" (known: ${PROVIDERS.join(", ")})`
          : "the model name is empty";
    throw new Error(
      `Invalid model "${spec}": ${problem}. Expected provider:model, e.g. openai:gpt-4.1, ` +
        `openai-responses:o3-pro, anthropic:claude-sonnet-4-6 or openai-compatible:llama3.1`,
    );
  }
  return { provider, model };
}

export interface ModelClientSettings {
  /** Where keys and base URLs come from (usually `process.env`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Per HTTP attempt. */
  timeoutMs?: number;
  /** OpenAI and OpenAI-compatible only. */
  jsonMode?: JsonMode;
  retry: RetryPolicy;
  /**
   * The run's rate limiters: clients of the same provider, base URL and model share one, so a 429 to
   * any call slows them all. Without it each call backs off on its own.
   */
  rateLimits?: RateLimits;
  /**
   * What the run learnt of its endpoints: one that is down (refused, unknown model) is asked once, then
   * every call to it fails at once. Without it each call finds out on its own.
   */
  health?: EndpointHealth;
  /** Names the model's job in the missing-key message. */
  role?: "judge" | "writer";
  /**
   * Whether pictures go to the model as image inputs: `auto` (the default) for OpenAI and Anthropic,
   * not for OpenAI-compatible servers, many of whose models take no images; `on` or `off` for all.
   */
  images?: ImagesMode;
  /** `--batch`: calls go through the provider's batch API (OpenAI and Anthropic; SPEC §12). */
  batch?: BatchRun;
}

/** Whether a model of `provider` is sent pictures under `mode`. */
export function takesImages(provider: ProviderName, mode: ImagesMode = "auto"): boolean {
  return mode === "auto" ? provider !== "openai-compatible" : mode === "on";
}

/**
 * A client for `provider:model`. Fails with `ModelError("auth")`, before any network call, when the
 * provider's key (or, for openai-compatible, its base URL) is missing from `env`.
 */
export function createModelClient(spec: string, settings: ModelClientSettings): ModelClient {
  const { provider, model } = parseModelSpec(spec);
  const { env, timeoutMs, jsonMode } = settings;
  const read = (name: string) => env[name]?.trim() || undefined;
  const server = (baseURL: string | undefined) => `${provider} ${baseURL ?? "(default)"}`;
  const limited = (baseURL: string | undefined): RetryPolicy =>
    settings.rateLimits
      ? { ...settings.retry, limiter: settings.rateLimits.for(`${server(baseURL)} ${model}`) }
      : settings.retry;
  const guarded = (unguarded: ModelClient, baseURL: string | undefined): ModelClient => {
    const client = { ...unguarded, takesImages: takesImages(provider, settings.images) };
    const { health } = settings;
    if (!health) return client;
    const where = server(baseURL);
    return {
      ...client,
      async complete(request) {
        health.check(where, model);
        try {
          return await client.complete(request);
        } catch (error) {
          throw health.record(where, model, error);
        }
      },
    };
  };
  const problem = keyProblem(spec, env, settings.role);
  if (problem) throw new ModelError("auth", problem);

  switch (provider) {
    case "openai-responses":
    case "openai":
    case "openai-compatible": {
      const baseURL = read("OPENAI_BASE_URL");
      const common = { model, apiKey: read("OPENAI_API_KEY"), baseURL, timeoutMs, retry: limited(baseURL) };
      if (servedByResponses(provider, model)) {
        const client = createResponsesClient({
          ...common,
          ...(settings.batch ? { batch: settings.batch } : {}),
        });
        // The id stays as the user wrote it (`openai:o3-pro`): reports and caches name the model so.
        return guarded({ ...client, id: spec.trim(), provider }, baseURL);
      }
      const client = createOpenAIClient({
        ...common,
        provider: provider === "openai-compatible" ? provider : "openai",
        jsonMode,
        // OpenAI-compatible servers have no batch API: their calls stay online.
        ...(settings.batch && provider === "openai" ? { batch: settings.batch } : {}),
      });
      return guarded(client, baseURL);
    }
    case "anthropic": {
      const baseURL = read("ANTHROPIC_BASE_URL");
      const client = createAnthropicClient({
        model,
        apiKey: read("ANTHROPIC_API_KEY"),
        baseURL,
        timeoutMs,
        retry: limited(baseURL),
        ...(settings.batch ? { batch: settings.batch } : {}),
      });
      return guarded(client, baseURL);
    }
  }
}

/**
 * Why `provider:model` cannot be used with `env`, before any call: its key (or, for openai-compatible,
 * its base URL) is missing. Null when it can. `role` names the model's job in the message.
 */
export function keyProblem(
  spec: string,
  env: Readonly<Record<string, string | undefined>>,
  role: "judge" | "writer" | "model" = "model",
): string | null {
  const { provider } = parseModelSpec(spec);
  const has = (name: string) => Boolean(env[name]?.trim());
  const missing = (variable: string, what: string) =>
    `no ${variable} is set, and the ${role} ${spec} needs ${what}: set it ` +
    `(as a repository secret in a workflow), or choose another ${role} (provider:model)`;
  switch (provider) {
    case "openai":
    case "openai-responses":
      return has("OPENAI_API_KEY") ? null : missing("OPENAI_API_KEY", "an OpenAI API key");
    case "openai-compatible":
      return has("OPENAI_BASE_URL")
        ? null
        : missing("OPENAI_BASE_URL", "the server's URL (e.g. http://localhost:11434/v1)");
    case "anthropic":
      return has("ANTHROPIC_API_KEY") ? null : missing("ANTHROPIC_API_KEY", "an Anthropic API key");
  }
}

function isProvider(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}
