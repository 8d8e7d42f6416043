// Behaviour both adapters share, through the real SDKs against the local model server.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createAnthropicClient } from "../../src/providers/anthropic.js";
import { createOpenAIClient } from "../../src/providers/openai.js";
import { systemClock, type RetryPolicy } from "../../src/providers/retry.js";
import { ModelError, type ModelClient, type StructuredRequest } from "../../src/ports/models.js";
import { sequence, startModelServer, type Reply } from "../support/model-server.js";

const server = await startModelServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const request: StructuredRequest = {
  system: "You grade documents.",
  messages: [{ role: "user", content: "Grade this: hello world" }],
  schemaName: "verdicts",
  schemaDescription: "Verdict per criterion",
  schema: {
    type: "object",
    properties: { verdict: { type: "string", enum: ["pass", "fail"] } },
    required: ["verdict"],
    additionalProperties: false,
  },
  maxOutputTokens: 500,
};

type Make = (retry?: Partial<RetryPolicy>, timeoutMs?: number) => ModelClient;
const providers: [string, Make][] = [
  [
    "openai",
    (retry, timeoutMs = 5_000) =>
      createOpenAIClient({
        provider: "openai",
        model: "gpt-4.1",
        apiKey: "sk-test",
        baseURL: server.openaiBaseURL,
        timeoutMs,
        retry: { clock: systemClock, ...retry },
      }),
  ],
  [
    "anthropic",
    (retry, timeoutMs = 5_000) =>
      createAnthropicClient({
        model: "claude-sonnet-4-6",
        apiKey: "sk-ant-test",
        baseURL: server.anthropicBaseURL,
        timeoutMs,
        retry: { clock: systemClock, ...retry },
      }),
  ],
];

async function failure(client: ModelClient, replies: Reply[]): Promise<{ error: ModelError; ms: number }> {
  server.setHandler(sequence(...replies));
  const started = Date.now();
  const error = await client.complete(request).then(
    () => expect.fail("the call should have failed"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return { error: error as ModelError, ms: Date.now() - started };
}

describe.each(providers)("%s adapter", (provider, make) => {
  it("returns a structured answer as JSON text, with its usage", async () => {
    server.setHandler(() => ({
      json: { verdict: "pass" },
      usage: { input: 1200, output: 30, cached: 1000 },
    }));
    const answer = await make().complete(request);
    expect(answer.kind).toBe("answer");
    expect(JSON.parse(answer.text)).toEqual({ verdict: "pass" });
    expect(answer.usage).toEqual({ inputTokens: 1200, outputTokens: 30, cachedInputTokens: 1000 });
    expect(answer.attempts).toBe(1);
    expect(answer.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.provider).toBe(provider);
  });

  it("reports a truncated answer with its partial text", async () => {
    server.setHandler(() => ({ truncated: true, text: '{"verdict": "pa' }));
    const answer = await make().complete(request);
    expect(answer).toMatchObject({ kind: "truncated", text: '{"verdict": "pa' });
  });

  it("reports a refusal with the model's explanation", async () => {
    server.setHandler(() => ({ refusal: "I can't help with that." }));
    const answer = await make().complete(request);
    expect(answer).toMatchObject({ kind: "refused", text: "I can't help with that." });
  });

  it("passes malformed text through as the answer: validation is the caller's job", async () => {
    server.setHandler(() => ({ text: "verdict: pass (not JSON)" }));
    const answer = await make().complete(request);
    expect(answer).toMatchObject({ kind: "answer", text: "verdict: pass (not JSON)" });
  });

  it("waits for a 429's retry-after, then succeeds", async () => {
    server.setHandler(
      sequence({ status: 429, headers: { "retry-after": "1" } }, { json: { verdict: "fail" } }),
    );
    const started = Date.now();
    const answer = await make().complete(request);
    expect(answer.kind).toBe("answer");
    expect(answer.attempts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(answer.latencyMs).toBeGreaterThanOrEqual(950);
  });

  it("does not wait for a retry-after longer than maxRetryWaitMs", async () => {
    const { error, ms } = await failure(make(), [{ status: 429, headers: { "retry-after": "3600" } }]);
    expect(error.kind).toBe("rate_limit");
    expect(error.status).toBe(429);
    expect(error.message).toContain("retry after 3600 s");
    expect(error.message).toContain("longest retry wait is 60 s");
    expect(ms).toBeLessThan(1_000);
    expect(server.requests).toHaveLength(1);
  });

  it("does not wait for a retry-after that would end after the deadline", async () => {
    const deadline = Date.now() + 2_000;
    const { error, ms } = await failure(make({ deadline }), [
      { status: 429, headers: { "retry-after": "5" } },
      { json: { verdict: "pass" } },
    ]);
    expect(error.kind).toBe("deadline");
    expect(error.message).toMatch(/retry after 5 s.*deadline is in [12](\.\d)? s/);
    expect(ms).toBeLessThan(1_000);
    expect(server.requests).toHaveLength(1);
  });

  it("fails at once on a quota error, with exactly one request", async () => {
    const reply: Reply =
      provider === "openai"
        ? { status: 429, error: { type: "insufficient_quota", code: "insufficient_quota", message: "quota" } }
        : { status: 400, error: { type: "billing_error", message: "credit balance too low" } };
    const { error } = await failure(make(), [reply, { json: { verdict: "pass" } }]);
    expect(error.kind).toBe("quota");
    expect(server.requests).toHaveLength(1);
  });

  it("treats HTTP 402 as a quota error", async () => {
    const { error } = await failure(make(), [{ status: 402 }, { json: {} }]);
    expect(error).toMatchObject({ kind: "quota", status: 402 });
    expect(server.requests).toHaveLength(1);
  });

  it("retries a 500 and succeeds on the second attempt", async () => {
    server.setHandler(sequence({ status: 500 }, { json: { verdict: "pass" } }));
    const answer = await make().complete(request);
    expect(answer.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it("retries an overloaded server (529) until attempts run out", async () => {
    const { error } = await failure(make({ maxAttempts: 2 }), [
      { status: 529, headers: { "retry-after-ms": "10" } },
    ]);
    expect(error).toMatchObject({ kind: "server", status: 529 });
    expect(error.message).toContain("gave up after 2 attempts");
    expect(server.requests).toHaveLength(2);
  });

  it("retries a dropped connection", async () => {
    server.setHandler(sequence({ drop: true }, { json: { verdict: "pass" } }));
    const answer = await make().complete(request);
    expect(answer.kind).toBe("answer");
    expect(answer.attempts).toBe(2);
  });

  it("gives up on a dropped connection as a connection error", async () => {
    const { error } = await failure(make({ maxAttempts: 1 }), [{ drop: true }]);
    expect(error.kind).toBe("connection");
    expect(error.cause).toBeDefined();
  });

  it("times out a slow answer per attempt, after bounded attempts", async () => {
    const { error, ms } = await failure(make({ maxAttempts: 2 }, 150), [
      { delayMs: 3_000, then: { json: { verdict: "pass" } } },
    ]);
    expect(error.kind).toBe("timeout");
    expect(server.requests).toHaveLength(2);
    expect(ms).toBeLessThan(2_000);
  });

  it("fails at once on 401 as an auth error", async () => {
    const { error } = await failure(make(), [{ status: 401 }, { json: {} }]);
    expect(error).toMatchObject({ kind: "auth", status: 401 });
    expect(error.message).toContain(provider === "openai" ? "openai:gpt-4.1" : "anthropic:claude-sonnet-4-6");
    expect(server.requests).toHaveLength(1);
  });

  it("fails at once on another 4xx as a bad request", async () => {
    const { error } = await failure(make(), [{ status: 422, error: { message: "schema rejected" } }]);
    expect(error).toMatchObject({ kind: "bad_request", status: 422 });
    expect(server.requests).toHaveLength(1);
  });

  it("stops when the caller aborts, during a retry wait", async () => {
    server.setHandler(() => ({ status: 503, headers: { "retry-after": "10" } }));
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 200);
    const started = Date.now();
    const error = await make()
      .complete({ ...request, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "aborted" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("stops when the caller aborts, during a slow answer", async () => {
    server.setHandler(() => ({ delayMs: 5_000, then: { json: {} } }));
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);
    const error = await make()
      .complete({ ...request, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "aborted" });
    expect(server.requests).toHaveLength(1);
  });
});
