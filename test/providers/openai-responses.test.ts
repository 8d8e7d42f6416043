// OpenAI's Responses API (`openai-responses:MODEL`, and `openai:` models served only there), and the
// model settings (reasoning effort, temperature) on every wire format — through the real SDKs against
// the local model server, which checks each request as the API would.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createAnthropicClient } from "../../src/providers/anthropic.js";
import { createModelClient } from "../../src/providers/factory.js";
import { createOpenAIClient } from "../../src/providers/openai.js";
import { createResponsesClient } from "../../src/providers/openai-responses.js";
import { systemClock } from "../../src/providers/retry.js";
import { ModelError, withSettings, type StructuredRequest } from "../../src/ports/models.js";
import {
  requestImages,
  requestSchemaName,
  requestText,
  requestToolResults,
  sequence,
  startModelServer,
} from "../support/model-server.js";

const server = await startModelServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const schema = {
  type: "object",
  properties: { summary: { type: "string" } },
  required: ["summary"],
  additionalProperties: false,
};
const request: StructuredRequest = {
  system: "You grade documents.",
  messages: [
    { role: "user", content: "Rubric and artifact" },
    { role: "assistant", content: "{}" },
    { role: "user", content: "Try again" },
  ],
  schemaName: "judge_verdicts",
  schemaDescription: "The judge's verdicts",
  schema,
  maxOutputTokens: 777,
  cacheKey: "rubric-1",
};

const responses = (model = "o3-pro") =>
  createResponsesClient({
    model,
    apiKey: "sk-test",
    baseURL: server.openaiBaseURL,
    timeoutMs: 5_000,
    retry: { clock: systemClock },
  });

describe("Responses API", () => {
  it("sends instructions, input, a strict json_schema text format and nothing stored; reads the answer and usage", async () => {
    server.setHandler(() => ({ json: { summary: "ok" }, usage: { input: 120, output: 9, cached: 100 } }));
    const c = responses();
    expect(c).toMatchObject({ id: "openai-responses:o3-pro", provider: "openai-responses", model: "o3-pro" });
    const answer = await c.complete(request);
    expect(answer).toMatchObject({
      kind: "answer",
      text: '{"summary":"ok"}',
      usage: { inputTokens: 120, outputTokens: 9, cachedInputTokens: 100 },
    });
    const [req] = server.requests;
    expect(req?.path).toBe("/v1/responses");
    expect(req?.headers["authorization"]).toBe("Bearer sk-test");
    expect(req?.body).toEqual({
      model: "o3-pro",
      instructions: "You grade documents.",
      input: [
        { type: "message", role: "user", content: "Rubric and artifact" },
        { type: "message", role: "assistant", content: "{}" },
        { type: "message", role: "user", content: "Try again" },
      ],
      max_output_tokens: 777,
      store: false,
      prompt_cache_key: "rubric-1",
      text: {
        format: {
          type: "json_schema",
          name: "judge_verdicts",
          description: "The judge's verdicts",
          schema,
          strict: true,
        },
      },
    });
    expect(requestSchemaName(req!)).toBe("judge_verdicts");
    expect(requestText(req!)).toContain("Try again");
  });

  it("a refusal is refused, an incomplete response truncated, two objects ambiguous — never an answer", async () => {
    const c = responses();
    server.setHandler(() => ({ refusal: "I can't help with that." }));
    expect(await c.complete(request)).toMatchObject({ kind: "refused", text: "I can't help with that." });
    server.setHandler(() => ({ truncated: true, text: '{"summ' }));
    expect(await c.complete(request)).toMatchObject({ kind: "truncated", text: '{"summ' });
    server.setHandler(() => ({ jsons: [{ summary: "a" }, { summary: "b" }] }));
    expect(await c.complete(request)).toMatchObject({ kind: "ambiguous", candidates: 2 });
  });

  it("errors are classified as on Chat Completions: a 400 is a bad request, a 500 retried then answered", async () => {
    const c = responses();
    server.setHandler(() => ({ status: 400, error: { message: "Unsupported parameter: 'temperature'" } }));
    const error = await c.complete(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "bad_request" });
    expect((error as Error).message).toMatch(/^openai-responses:o3-pro: .*temperature/);
    server.setHandler(sequence({ status: 500 }, { json: { summary: "ok" } }));
    expect(await c.complete(request)).toMatchObject({ kind: "answer", attempts: 2 });
  });

  it("pictures go as input_image data URLs after the text", async () => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const png = Buffer.from("89504e470d0a1a0a", "hex");
    await responses().complete({
      ...request,
      messages: [
        {
          role: "user",
          content: "See the chart",
          images: [{ mediaType: "image/png", data: png.toString("base64") }],
        },
      ],
    });
    const [req] = server.requests;
    expect(req?.body).toMatchObject({
      input: [
        { role: "user", content: [{ type: "input_text", text: "See the chart" }, { type: "input_image" }] },
      ],
    });
    expect(requestImages(req!)).toEqual([{ mediaType: "image/png", bytes: png }]);
  });

  it("runs the tool loop: each function_call's output goes back as a function_call_output, then the answer", async () => {
    server.setHandler(
      sequence(
        { toolCalls: [{ name: "read_file", arguments: { path: "docs/a.md" } }] },
        { json: { summary: "read it" } },
      ),
    );
    const calls: unknown[] = [];
    const answer = await responses().complete({
      ...request,
      tools: {
        specs: [
          { name: "read_file", description: "Reads a file", parameters: { type: "object", properties: {} } },
        ],
        run: (call) => {
          calls.push(call);
          return Promise.resolve("file text");
        },
      },
    });
    expect(calls).toEqual([{ name: "read_file", arguments: { path: "docs/a.md" } }]);
    expect(answer).toMatchObject({ kind: "answer", text: '{"summary":"read it"}' });
    const [, second] = server.requests;
    expect(requestToolResults(second!)).toEqual([{ id: "call_local0_0", content: "file text" }]);
    expect(second?.body).toMatchObject({ tools: [{ type: "function", name: "read_file" }] });
  });
});

describe("the provider string chooses the API", () => {
  const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: server.openaiBaseURL };
  it.each([
    ["openai-responses:gpt-4.1", "/v1/responses"],
    ["openai:o3-pro", "/v1/responses"],
    ["openai:gpt-5-pro-2025-10-06", "/v1/responses"],
    ["openai:gpt-4.1", "/v1/chat/completions"],
    ["openai:o3", "/v1/chat/completions"],
  ])("%s → %s", async (spec, path) => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const c = createModelClient(spec, { env, retry: { clock: systemClock } });
    expect(c.id).toBe(spec);
    await c.complete(request);
    expect(server.requests.map((r) => r.path)).toEqual([path]);
  });

  it("openai-responses needs the OpenAI key, said before any call", () => {
    expect(() =>
      createModelClient("openai-responses:o3-pro", { env: {}, retry: { clock: systemClock } }),
    ).toThrow(/no OPENAI_API_KEY is set, and the model openai-responses:o3-pro needs an OpenAI API key/);
  });
});

describe("model settings on each wire format", () => {
  const settings = { reasoningEffort: "high", temperature: 0.2 } as const;
  const anthropic = () =>
    createAnthropicClient({
      model: "claude-opus-4-5",
      apiKey: "k",
      baseURL: server.anthropicBaseURL,
      retry: { clock: systemClock },
    });

  it("Chat Completions: reasoning_effort and temperature; neither when unset", async () => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const c = createOpenAIClient({
      provider: "openai",
      model: "gpt-5",
      apiKey: "k",
      baseURL: server.openaiBaseURL,
      retry: { clock: systemClock },
    });
    await withSettings(c, settings).complete(request);
    await c.complete(request);
    const [set, unset] = server.requests;
    expect(set?.body).toMatchObject({ reasoning_effort: "high", temperature: 0.2 });
    expect(unset?.body).not.toHaveProperty("reasoning_effort");
    expect(unset?.body).not.toHaveProperty("temperature");
  });

  it("Responses: reasoning.effort and temperature", async () => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    await withSettings(responses(), settings).complete(request);
    expect(server.requests[0]?.body).toMatchObject({ reasoning: { effort: "high" }, temperature: 0.2 });
  });

  it("Anthropic: output_config.effort and temperature", async () => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const c = anthropic();
    await withSettings(c, settings).complete(request);
    await c.complete(request);
    const [set, unset] = server.requests;
    expect(set?.body).toMatchObject({ output_config: { effort: "high" }, temperature: 0.2 });
    expect(unset?.body).not.toHaveProperty("output_config");
    expect(unset?.body).not.toHaveProperty("temperature");
  });

  it("Anthropic refuses what it does not take before any call, naming the value and the range", async () => {
    const c = anthropic();
    const minimal = await withSettings(c, { reasoningEffort: "minimal" })
      .complete(request)
      .catch((e: unknown) => e);
    expect(minimal).toMatchObject({ kind: "bad_request" });
    expect((minimal as Error).message).toBe(
      "anthropic:claude-opus-4-5: reasoning effort minimal: Anthropic takes low, medium, high, xhigh, max; choose one of them",
    );
    const hot = await withSettings(c, { temperature: 1.5 })
      .complete(request)
      .catch((e: unknown) => e);
    expect((hot as Error).message).toContain("temperature 1.5: Anthropic takes 0 to 1");
    expect(server.requests).toHaveLength(0);
  });

  it("a request's own settings win over the client's", async () => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    await withSettings(responses(), settings).complete({ ...request, settings: { temperature: 0 } });
    expect(server.requests[0]?.body).toMatchObject({ reasoning: { effort: "high" }, temperature: 0 });
  });
});
