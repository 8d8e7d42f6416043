// The test server itself: raw HTTP, so that its wire format is checked without an SDK in between.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { requestText, sequence, startModelServer } from "../support/model-server.js";

const server = await startModelServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const openaiHeaders = { "content-type": "application/json", authorization: "Bearer sk-test" };
const anthropicHeaders = {
  "content-type": "application/json",
  "x-api-key": "sk-ant-test",
  "anthropic-version": "2023-06-01",
};
const post = (path: string, headers: Record<string, string>, body: unknown) =>
  fetch(server.url + path, { method: "POST", headers, body: JSON.stringify(body) });

describe("model server", () => {
  it("answers unknown paths with 404 in the provider's error format", async () => {
    const openai = await post("/v1/embeddings", openaiHeaders, {});
    expect(openai.status).toBe(404);
    expect(await openai.json()).toMatchObject({ error: { type: "invalid_request_error", code: null } });
    const anthropic = await post("/v1/messages/count_tokens", anthropicHeaders, {});
    expect(anthropic.status).toBe(404);
    expect(anthropic.headers.get("request-id")).toMatch(/^req_/);
    expect(await anthropic.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(server.requests.map((r) => r.provider)).toEqual(["openai", "anthropic"]);
  });

  it("rejects what the real APIs reject: no key, an empty text block, a forced tool that is not there", async () => {
    expect((await post("/v1/chat/completions", { "content-type": "application/json" }, {})).status).toBe(401);
    const base = { model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };
    const empty = await post("/v1/messages", anthropicHeaders, {
      ...base,
      messages: [{ role: "user", content: [{ type: "text", text: " " }] }],
    });
    expect(empty.status).toBe(400);
    const unknownTool = await post("/v1/messages", anthropicHeaders, {
      ...base,
      tools: [{ name: "a", input_schema: { type: "object" } }],
      tool_choice: { type: "tool", name: "b" },
    });
    expect(unknownTool.status).toBe(400);
  });

  it("scripts calls with sequence(), repeating the last reply", async () => {
    server.setHandler(sequence({ status: 500 }, { text: "one" }, { text: "two" }));
    const body = { model: "m", messages: [{ role: "user", content: "hello" }] };
    const statuses: number[] = [];
    const contents: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post("/v1/chat/completions", openaiHeaders, body);
      statuses.push(res.status);
      const json = (await res.json()) as { choices?: { message: { content: string } }[] };
      contents.push(json.choices?.[0]?.message.content);
    }
    expect(statuses).toEqual([500, 200, 200, 200]);
    expect(contents).toEqual([undefined, "one", "two", "two"]);
    expect(server.requests.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(server.requests[0] && requestText(server.requests[0])).toBe("hello");
  });

  it("sends the error headers it is given", async () => {
    server.setHandler(() => ({ status: 429, headers: { "retry-after": "7" } }));
    const res = await post("/v1/chat/completions", openaiHeaders, {
      model: "m",
      messages: [{ role: "user", content: "x" }],
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
  });
});
