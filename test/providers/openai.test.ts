import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOpenAIClient, type OpenAIClientOptions } from "../../src/providers/openai.js";
import { systemClock } from "../../src/providers/retry.js";
import { ModelError, type StructuredRequest } from "../../src/ports/models.js";
import { requestSchema, requestSchemaName, requestText, startModelServer } from "../support/model-server.js";

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
};

function client(overrides: Partial<OpenAIClientOptions> = {}) {
  return createOpenAIClient({
    provider: "openai",
    model: "gpt-4.1",
    apiKey: "sk-test",
    baseURL: server.openaiBaseURL,
    timeoutMs: 5_000,
    retry: { clock: systemClock },
    ...overrides,
  });
}

describe("OpenAI request shape", () => {
  it("sends the system message first and the schema as strict json_schema", async () => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const c = client();
    expect(c).toMatchObject({ id: "openai:gpt-4.1", provider: "openai", model: "gpt-4.1" });
    await c.complete(request);
    const [req] = server.requests;
    expect(req?.path).toBe("/v1/chat/completions");
    expect(req?.headers["authorization"]).toBe("Bearer sk-test");
    expect(req?.body).toMatchObject({
      model: "gpt-4.1",
      messages: [
        { role: "system", content: "You grade documents." },
        { role: "user", content: "Rubric and artifact" },
        { role: "assistant", content: "{}" },
        { role: "user", content: "Try again" },
      ],
      max_completion_tokens: 777,
      response_format: {
        type: "json_schema",
        json_schema: { name: "judge_verdicts", description: "The judge's verdicts", schema, strict: true },
      },
    });
    expect(req?.body).not.toHaveProperty("max_tokens");
    expect(req && requestSchema(req)).toEqual(schema);
    expect(req && requestSchemaName(req)).toBe("judge_verdicts");
  });

  it("sends max_tokens, not max_completion_tokens, to an OpenAI-compatible server", async () => {
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const c = client({ provider: "openai-compatible", model: "llama3.1" });
    expect(c.id).toBe("openai-compatible:llama3.1");
    await c.complete(request);
    expect(server.requests[0]?.body).toMatchObject({ model: "llama3.1", max_tokens: 777 });
    expect(server.requests[0]?.body).not.toHaveProperty("max_completion_tokens");
  });
});

describe("OpenAI prompt JSON mode", () => {
  it("puts the schema in the system prompt, sends no response_format, and extracts a fenced answer", async () => {
    server.setHandler(() => ({
      text: 'Here is my verdict:\n```json\n{"summary": "fine"}\n```\nHope this helps!',
    }));
    const answer = await client({
      provider: "openai-compatible",
      model: "qwen3",
      jsonMode: "prompt",
    }).complete(request);
    const [req] = server.requests;
    expect(req?.body).not.toHaveProperty("response_format");
    expect(req && requestSchema(req)).toBeNull();
    const system = (req?.body as { messages: { role: string; content: string }[] }).messages[0];
    expect(system?.role).toBe("system");
    expect(system?.content).toContain("You grade documents.");
    expect(system?.content).toContain('"additionalProperties": false');
    expect(system?.content).toMatch(/exactly one JSON object/);
    expect(req && requestText(req)).toContain("Try again");
    expect(answer).toMatchObject({ kind: "answer", text: '{"summary": "fine"}' });
  });

  it("passes an answer without any JSON object through unchanged", async () => {
    server.setHandler(() => ({ text: "I think it passes." }));
    const answer = await client({ jsonMode: "prompt" }).complete(request);
    expect(answer.text).toBe("I think it passes.");
  });
});

describe("OpenAI environment variables", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL"]) {
      if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = saved[name];
    }
  });

  it("lets the SDK read OPENAI_BASE_URL and OPENAI_API_KEY", async () => {
    process.env["OPENAI_BASE_URL"] = server.openaiBaseURL;
    process.env["OPENAI_API_KEY"] = "sk-from-env";
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const answer = await createOpenAIClient({
      provider: "openai",
      model: "gpt-4.1-mini",
      retry: { clock: systemClock },
    }).complete(request);
    expect(answer.kind).toBe("answer");
    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer sk-from-env");
  });

  it("fails as auth, before any request, when OpenAI has no key anywhere", () => {
    Reflect.deleteProperty(process.env, "OPENAI_API_KEY");
    const make = () =>
      createOpenAIClient({
        provider: "openai",
        model: "gpt-4.1",
        baseURL: server.openaiBaseURL,
        retry: { clock: systemClock },
      });
    expect(make).toThrow(ModelError);
    expect(make).toThrow(/openai:gpt-4\.1: .*OPENAI_API_KEY/);
    expect(server.requests).toHaveLength(0);
  });

  it("sends a placeholder key to an OpenAI-compatible server when there is none", async () => {
    delete process.env["OPENAI_API_KEY"];
    server.setHandler(() => ({ json: { summary: "ok" } }));
    const answer = await createOpenAIClient({
      provider: "openai-compatible",
      model: "llama3.1",
      baseURL: server.openaiBaseURL,
      retry: { clock: systemClock },
    }).complete(request);
    expect(answer.kind).toBe("answer");
    expect(server.requests[0]?.headers["authorization"]).toMatch(/^Bearer \S+/);
  });
});
