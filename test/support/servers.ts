/**
 * The local servers, set up once per test file the same way everywhere: started before the file's
 * tests, closed after them. The handle is filled in by `beforeAll`, so use it inside tests and hooks.
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startModelServer, type ModelServer } from "./model-server.js";

/** One local model server for the file; its request log is emptied before each test unless kept. */
export function useModelServer(options: { keepRequests?: boolean } = {}): ModelServer {
  const handle = {} as ModelServer;
  beforeAll(async () => {
    Object.assign(handle, await startModelServer());
  });
  afterAll(async () => {
    await handle.close();
  });
  if (options.keepRequests !== true) {
    beforeEach(() => {
      handle.requests.length = 0;
    });
  }
  return handle;
}

/** A provider's key and base-URL variables pointing at the local model server. */
export function providerEnv(server: ModelServer, provider: "openai" | "anthropic"): Record<string, string> {
  return provider === "openai"
    ? { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL }
    : { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.anthropicBaseURL };
}
