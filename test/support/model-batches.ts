// The batch APIs of both providers on the local model server, in their real wire formats:
// OpenAI — POST /v1/files (multipart, purpose "batch"), POST /v1/batches, GET /v1/batches/{id},
// GET /v1/files/{id}/content (the output and error files as JSONL);
// Anthropic — POST /v1/messages/batches, GET /v1/messages/batches/{id},
// GET /v1/messages/batches/{id}/results (JSONL).
// Each request of a batch goes through the same checks and the same scripted handler as an online
// call, so a batch run and an online run see the same answers. A batch can take a while (it stays in
// progress for `pollsUntilDone` polls), fail some of its requests (a handler's HTTP error) and expire.
import type { CapturedRequest, Handler, Reply, WireProvider } from "./model-server.js";

export interface BatchBehaviour {
  /** Polls answered "in progress" before the batch ends (default 1). */
  pollsUntilDone: number;
  /** The batch expires instead of completing: every request not yet run comes back expired. */
  expire: boolean;
  /** With `expire`, this many requests of each batch ran before it expired (default 0). */
  ranBeforeExpiry: number;
}

export interface StoredBatch {
  id: string;
  provider: WireProvider;
  customIds: string[];
  polls: number;
  /** Result lines, computed when the batch ends. */
  results?: unknown[];
  errors?: unknown[];
  outputFileId?: string;
  errorFileId?: string;
  status: string;
  createdAt: number;
  /** OpenAI: the endpoint every line of the batch calls (`/v1/chat/completions` or `/v1/responses`). */
  endpoint?: string;
}

export interface BatchRoutes {
  batches: StoredBatch[];
  behaviour: BatchBehaviour;
  /** Answers a batch route, or null when the path is not one. */
  route(
    method: string,
    path: string,
    raw: Buffer,
    headers: Record<string, string>,
    baseUrl: string,
  ): Promise<{ status: number; body: unknown; contentType?: string } | null>;
}

interface Dependencies {
  handler: () => Handler;
  check: (req: CapturedRequest) => Reply | null;
  wire: (req: CapturedRequest, reply: Reply) => [number, unknown, Record<string, string>];
  capture: (req: Omit<CapturedRequest, "index">) => CapturedRequest;
}

export function batchRoutes(deps: Dependencies): BatchRoutes {
  const batches: StoredBatch[] = [];
  const files = new Map<string, { purpose: string; text: string }>();
  const behaviour: BatchBehaviour = { pollsUntilDone: 1, expire: false, ranBeforeExpiry: 0 };
  let next = 1;
  const inputs = new Map<string, Array<{ customId: string; body: unknown; path: string }>>();

  /** Runs a batch's requests through the handler, as online calls would be. */
  async function finish(batch: StoredBatch, headers: Record<string, string>): Promise<void> {
    const requests = inputs.get(batch.id) ?? [];
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const [n, request] of requests.entries()) {
      if (behaviour.expire && n >= behaviour.ranBeforeExpiry) {
        if (batch.provider === "openai")
          errors.push({
            id: `batch_req_${batch.id}_${n}`,
            custom_id: request.customId,
            response: null,
            error: {
              code: "batch_expired",
              message: "This request could not be executed before the completion window expired.",
            },
          });
        else results.push({ custom_id: request.customId, result: { type: "expired" } });
        continue;
      }
      const captured = deps.capture({
        provider: batch.provider,
        path: request.path,
        headers,
        body: request.body,
        batch: batch.id,
      });
      let reply = deps.check(captured) ?? (await deps.handler()(captured));
      while ("delayMs" in reply) reply = reply.then;
      if ("drop" in reply) reply = { status: 500, error: { message: "dropped" } };
      const [status, payload] = deps.wire(captured, reply);
      if (batch.provider === "openai") {
        const line = {
          id: `batch_req_${batch.id}_${n}`,
          custom_id: request.customId,
          response: { status_code: status, request_id: `req_${n}`, body: payload },
          error: null,
        };
        (status === 200 ? results : errors).push(line);
      } else if (status === 200) {
        results.push({ custom_id: request.customId, result: { type: "succeeded", message: payload } });
      } else {
        results.push({ custom_id: request.customId, result: { type: "errored", error: payload } });
      }
    }
    batch.results = results;
    batch.errors = errors;
    if (batch.provider === "openai") {
      if (results.length) {
        batch.outputFileId = `file-out-${batch.id}`;
        files.set(batch.outputFileId, {
          purpose: "batch_output",
          text: results.map((l) => JSON.stringify(l)).join("\n") + "\n",
        });
      }
      if (errors.length) {
        batch.errorFileId = `file-err-${batch.id}`;
        files.set(batch.errorFileId, {
          purpose: "batch_output",
          text: errors.map((l) => JSON.stringify(l)).join("\n") + "\n",
        });
      }
    }
    batch.status = behaviour.expire
      ? batch.provider === "openai"
        ? "expired"
        : "ended"
      : batch.provider === "openai"
        ? "completed"
        : "ended";
  }

  function openaiBatch(batch: StoredBatch): unknown {
    const total = batch.customIds.length;
    const failed = batch.errors?.length ?? 0;
    return {
      id: batch.id,
      object: "batch",
      endpoint: batch.endpoint ?? "/v1/chat/completions",
      errors: null,
      input_file_id: `file-in-${batch.id}`,
      completion_window: "24h",
      status: batch.status,
      output_file_id: batch.outputFileId ?? null,
      error_file_id: batch.errorFileId ?? null,
      created_at: batch.createdAt,
      in_progress_at: batch.createdAt,
      expires_at: batch.createdAt + 86_400,
      finalizing_at: null,
      completed_at: batch.status === "completed" ? batch.createdAt + 1 : null,
      failed_at: null,
      expired_at: batch.status === "expired" ? batch.createdAt + 86_400 : null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total, completed: batch.results ? total - failed : 0, failed },
      metadata: { tool: "rubric-gate" },
    };
  }

  function anthropicBatch(batch: StoredBatch, baseUrl: string): unknown {
    const ended = batch.status === "ended";
    const count = (type: string) =>
      (batch.results ?? []).filter((r) => (r as { result: { type: string } }).result.type === type).length;
    return {
      id: batch.id,
      type: "message_batch",
      processing_status: batch.status,
      request_counts: {
        processing: ended ? 0 : batch.customIds.length,
        succeeded: count("succeeded"),
        errored: count("errored"),
        canceled: count("canceled"),
        expired: count("expired"),
      },
      ended_at: ended ? new Date().toISOString() : null,
      created_at: new Date(batch.createdAt * 1000).toISOString(),
      expires_at: new Date((batch.createdAt + 86_400) * 1000).toISOString(),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: ended ? `${baseUrl}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  async function poll(batch: StoredBatch, headers: Record<string, string>): Promise<void> {
    batch.polls++;
    if (!batch.results && batch.polls >= behaviour.pollsUntilDone) await finish(batch, headers);
  }

  return {
    batches,
    behaviour,
    async route(method, path, raw, headers, baseUrl) {
      const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
      // OpenAI
      if (method === "POST" && path === "/v1/files") {
        const form = await new Request("http://local/v1/files", {
          method,
          headers: { "content-type": headers["content-type"] ?? "" },
          body: new Uint8Array(raw),
        }).formData();
        const file = form.get("file");
        const purpose = form.get("purpose");
        if (purpose !== "batch" || !(file instanceof Blob))
          return {
            status: 400,
            body: { error: { message: "purpose must be batch, with a file", type: "invalid_request_error" } },
          };
        const id = `file-in-${next++}`;
        files.set(id, { purpose, text: await file.text() });
        return {
          status: 200,
          body: {
            id,
            object: "file",
            bytes: file.size,
            created_at: 1,
            filename: "batch.jsonl",
            purpose,
            status: "processed",
          },
        };
      }
      if (method === "POST" && path === "/v1/batches") {
        const body = JSON.parse(raw.toString("utf8")) as {
          input_file_id?: string;
          endpoint?: string;
          completion_window?: string;
        };
        const input = files.get(body.input_file_id ?? "");
        const endpoint = body.endpoint ?? "";
        if (
          !input ||
          !["/v1/chat/completions", "/v1/responses"].includes(endpoint) ||
          body.completion_window !== "24h"
        )
          return {
            status: 400,
            body: { error: { message: "bad batch request", type: "invalid_request_error" } },
          };
        const lines = input.text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as { custom_id: string; method: string; url: string; body: unknown });
        const ids = lines.map((l) => l.custom_id);
        if (new Set(ids).size !== ids.length || lines.some((l) => l.method !== "POST" || l.url !== endpoint))
          return {
            status: 400,
            body: { error: { message: "duplicate custom_id or bad line", type: "invalid_request_error" } },
          };
        const batch: StoredBatch = {
          id: `batch_${next++}`,
          provider: "openai",
          customIds: ids,
          polls: 0,
          status: "in_progress",
          createdAt: Math.floor(Date.now() / 1000),
          endpoint,
        };
        batches.push(batch);
        inputs.set(
          batch.id,
          lines.map((l) => ({ customId: l.custom_id, body: l.body, path: l.url })),
        );
        return { status: 200, body: openaiBatch({ ...batch, status: "validating" }) };
      }
      let match = /^\/v1\/batches\/([^/]+)$/.exec(path);
      if (method === "GET" && match) {
        const batch = batches.find((b) => b.id === match?.[1] && b.provider === "openai");
        if (!batch)
          return {
            status: 404,
            body: { error: { message: "No batch found", type: "invalid_request_error" } },
          };
        await poll(batch, headers);
        return { status: 200, body: openaiBatch(batch) };
      }
      match = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
      if (method === "GET" && match) {
        const file = files.get(match[1] ?? "");
        if (!file)
          return { status: 404, body: { error: { message: "No such file", type: "invalid_request_error" } } };
        return { status: 200, body: file.text, contentType: "application/octet-stream" };
      }
      // Anthropic
      if (method === "POST" && path === "/v1/messages/batches") {
        const body = JSON.parse(raw.toString("utf8")) as {
          requests?: Array<{ custom_id: string; params: unknown }>;
        };
        const requests = body.requests ?? [];
        const ids = requests.map((r) => r.custom_id);
        if (
          requests.length === 0 ||
          new Set(ids).size !== ids.length ||
          ids.some((id) => !/^[a-zA-Z0-9_-]{1,64}$/.test(id))
        )
          return {
            status: 400,
            body: { type: "error", error: { type: "invalid_request_error", message: "bad custom_id" } },
          };
        const batch: StoredBatch = {
          id: `msgbatch_${next++}`,
          provider: "anthropic",
          customIds: ids,
          polls: 0,
          status: "in_progress",
          createdAt: Math.floor(Date.now() / 1000),
        };
        batches.push(batch);
        inputs.set(
          batch.id,
          requests.map((r) => ({ customId: r.custom_id, body: r.params, path: "/v1/messages" })),
        );
        return { status: 200, body: anthropicBatch(batch, baseUrl) };
      }
      match = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path);
      if (method === "GET" && match) {
        const batch = batches.find((b) => b.id === match?.[1] && b.provider === "anthropic");
        if (!batch)
          return {
            status: 404,
            body: { type: "error", error: { type: "not_found_error", message: "no such batch" } },
          };
        if (match[2]) {
          if (batch.status !== "ended")
            return {
              status: 400,
              body: {
                type: "error",
                error: { type: "invalid_request_error", message: "batch still in progress" },
              },
            };
          return { status: 200, body: jsonl(batch.results ?? []), contentType: "application/binary" };
        }
        await poll(batch, headers);
        return { status: 200, body: anthropicBatch(batch, baseUrl) };
      }
      return null;
    },
  };
}
