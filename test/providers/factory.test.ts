import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createModelClient, parseModelSpec } from "../../src/providers/factory.js";
import { systemClock } from "../../src/providers/retry.js";
import { ModelError, type StructuredRequest } from "../../src/ports/models.js";
import { startModelServer } from "../support/model-server.js";

const server = await startModelServer(() => ({ json: { ok: true } }));
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const request: StructuredRequest = {
  system: "s",
  messages: [{ role: "user", content: "u" }],
  schemaName: "answer",
  schemaDescription: "d",
  schema: { type: "object", properties: {}, additionalProperties: false },
  maxOutputTokens: 100,
};
const retry = { clock: systemClock };

describe("parseModelSpec", () => {
  it("splits provider and model at the first colon", () => {
    expect(parseModelSpec("openai:gpt-4.1")).toEqual({ provider: "openai", model: "gpt-4.1" });
    expect(parseModelSpec("anthropic:claude-sonnet-4-6")).toEqual({
      provider: "anthropic",
      model: "claude-sonnet-4-6",
    });
    expect(parseModelSpec("openai-compatible:llama3.1:8b")).toEqual({
      provider: "openai-compatible",
      model: "llama3.1:8b",
    });
  });

  it.each(["gpt-4.1", "azure:gpt-4.1", "openai:", ""])(
    "rejects %j, naming it and the expected form",
    (spec) => {
      expect(() => parseModelSpec(spec)).toThrow(`Invalid model "${spec}"`);
      expect(() => parseModelSpec(spec)).toThrow(/expected provider:model, e\.g\. openai:gpt-4\.1/i);
    },
  );
});

describe("createModelClient", () => {
  it.each([
    ["anthropic:claude-sonnet-4-6", "ANTHROPIC_API_KEY", { ANTHROPIC_BASE_URL: server.anthropicBaseURL }],
    ["openai:gpt-4.1", "OPENAI_API_KEY", { OPENAI_BASE_URL: server.openaiBaseURL }],
    ["openai-compatible:llama3.1", "OPENAI_BASE_URL", { OPENAI_API_KEY: "sk-x" }],
  ])("fails for %s without %s, before any request", (spec, variable, env) => {
    let error: unknown;
    try {
      createModelClient(spec, { env, retry, role: "judge" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "auth" });
    expect((error as Error).message).toContain(`no ${variable}`);
    expect((error as Error).message).toMatch(/set it.*choose another judge/);
    expect(server.requests).toHaveLength(0);
  });

  it("treats a blank key as missing", () => {
    expect(() => createModelClient("openai:gpt-4.1", { env: { OPENAI_API_KEY: "  " }, retry })).toThrow(
      ModelError,
    );
  });

  it("builds an Anthropic client from the env's key and base URL", async () => {
    const env = { ANTHROPIC_API_KEY: "sk-ant-env", ANTHROPIC_BASE_URL: server.anthropicBaseURL };
    const client = createModelClient("anthropic:claude-sonnet-4-6", { env, retry, timeoutMs: 5_000 });
    expect(client.id).toBe("anthropic:claude-sonnet-4-6");
    const answer = await client.complete(request);
    expect(answer.text).toBe('{"ok":true}');
    expect(server.requests[0]?.provider).toBe("anthropic");
  });

  it("builds an OpenAI-compatible client that needs no key, in prompt JSON mode", async () => {
    const env = { OPENAI_BASE_URL: server.openaiBaseURL };
    const client = createModelClient("openai-compatible:llama3.1:8b", { env, retry, jsonMode: "prompt" });
    expect(client).toMatchObject({ provider: "openai-compatible", model: "llama3.1:8b" });
    await client.complete(request);
    expect(server.requests[0]?.body).toMatchObject({ model: "llama3.1:8b", max_tokens: 100 });
    expect(server.requests[0]?.body).not.toHaveProperty("response_format");
  });

  it("builds an OpenAI client honouring OPENAI_BASE_URL", async () => {
    const env = { OPENAI_API_KEY: "sk-env", OPENAI_BASE_URL: server.openaiBaseURL };
    await createModelClient("openai:gpt-4.1", { env, retry }).complete(request);
    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer sk-env");
  });
});
