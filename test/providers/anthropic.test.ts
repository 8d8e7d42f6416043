import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAnthropicClient } from "../../src/providers/anthropic.js";
import { systemClock } from "../../src/providers/retry.js";
import type { StructuredRequest } from "../../src/ports/models.js";
import { requestSchema, requestSchemaName, requestText, startModelServer } from "../support/model-server.js";

const server = await startModelServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const schema = {
  type: "object",
  properties: { edits: { type: "array", items: { type: "object" } } },
  required: ["edits"],
  additionalProperties: false,
};
const stable = "## Rubric\n- The README names the license.\n";
const variable = "## Artifact\nHello.";
const request: StructuredRequest = {
  system: "You revise documents.",
  messages: [{ role: "user", content: stable + variable, cacheUpTo: stable.length }],
  schemaName: "writer_edits",
  schemaDescription: "Edits to apply",
  schema,
  maxOutputTokens: 1234,
};

const client = () =>
  createAnthropicClient({
    model: "claude-opus-4-6",
    apiKey: "sk-ant-test",
    baseURL: server.anthropicBaseURL,
    timeoutMs: 5_000,
    retry: { clock: systemClock },
  });

type Body = {
  system: unknown;
  messages: { role: string; content: unknown }[];
  tools: unknown[];
  tool_choice: unknown;
  max_tokens: number;
};

describe("Anthropic request shape", () => {
  it("forces one tool with the schema, and caches the system prompt", async () => {
    server.setHandler(() => ({ json: { edits: [] } }));
    const c = client();
    expect(c).toMatchObject({ id: "anthropic:claude-opus-4-6", provider: "anthropic" });
    await c.complete(request);
    const [req] = server.requests;
    expect(req?.path).toBe("/v1/messages");
    expect(req?.headers["anthropic-version"]).toBeDefined();
    const body = req?.body as Body;
    expect(body.max_tokens).toBe(1234);
    expect(body.system).toEqual([
      { type: "text", text: "You revise documents.", cache_control: { type: "ephemeral" } },
    ]);
    expect(body.tools).toEqual([
      { name: "writer_edits", description: "Edits to apply", input_schema: schema },
    ]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "writer_edits" });
    expect(req && requestSchema(req)).toEqual(schema);
    expect(req && requestSchemaName(req)).toBe("writer_edits");
    expect(req && requestText(req)).toBe(`You revise documents.\n${stable}\n${variable}`);
  });

  it("splits a user message at cacheUpTo into a cached head and a plain tail", async () => {
    server.setHandler(() => ({ json: { edits: [] } }));
    await client().complete(request);
    const body = server.requests[0]?.body as Body;
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: stable, cache_control: { type: "ephemeral" } },
          { type: "text", text: variable },
        ],
      },
    ]);
  });

  it("sends messages without cacheUpTo as plain strings, and never an empty block", async () => {
    server.setHandler(() => ({ json: { edits: [] } }));
    await client().complete({
      ...request,
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "{}" },
        { role: "user", content: "whole", cacheUpTo: 99 },
      ],
    });
    const body = server.requests[0]?.body as Body;
    expect(body.messages).toEqual([
      { role: "user", content: "first" },
      { role: "assistant", content: "{}" },
      { role: "user", content: [{ type: "text", text: "whole", cache_control: { type: "ephemeral" } }] },
    ]);
  });
});

describe("Anthropic answers", () => {
  it("sums input, cache writes and cache reads into inputTokens", async () => {
    server.setHandler(() => ({
      json: { edits: [] },
      usage: { input: 5000, cached: 3000, cacheWrite: 1500, output: 40 },
    }));
    const answer = await client().complete(request);
    expect(answer.usage).toEqual({ inputTokens: 5000, cachedInputTokens: 3000, outputTokens: 40 });
  });

  it("returns the tool call's input as JSON text", async () => {
    const edits = [{ find: "Hello.", replace: "Hello, world." }];
    server.setHandler(() => ({ json: { edits } }));
    const answer = await client().complete(request);
    expect(answer.kind).toBe("answer");
    expect(JSON.parse(answer.text)).toEqual({ edits });
  });

  it("returns the text blocks when the model made no tool call", async () => {
    server.setHandler(() => ({ text: "I would rather explain in prose." }));
    const answer = await client().complete(request);
    expect(answer).toMatchObject({ kind: "answer", text: "I would rather explain in prose." });
  });
});

describe("Anthropic environment variables", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]) {
      if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = saved[name];
    }
  });

  it("lets the SDK read ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY", async () => {
    process.env["ANTHROPIC_BASE_URL"] = server.anthropicBaseURL;
    process.env["ANTHROPIC_API_KEY"] = "sk-ant-from-env";
    server.setHandler(() => ({ json: { edits: [] } }));
    const answer = await createAnthropicClient({
      model: "claude-haiku-4-5",
      retry: { clock: systemClock },
    }).complete(request);
    expect(answer.kind).toBe("answer");
    const headers = server.requests[0]?.headers ?? {};
    // SDK 1.x sends the key as a bearer token; older versions used x-api-key.
    expect(headers["authorization"] ?? headers["x-api-key"]).toContain("sk-ant-from-env");
  });
});
