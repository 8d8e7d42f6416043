import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { toFile } from "openai";
import { ModelError } from "../ports/models.js";
import type { BatchBackend, BatchOutcome } from "./batch.js";
import { classifyStatus } from "./retry.js";

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type ChatCompletion = OpenAI.Chat.Completions.ChatCompletion;
type MessageParams = Anthropic.Messages.MessageCreateParamsNonStreaming;
type Message = Anthropic.Messages.Message;

/**
 * OpenAI Batch through the SDK: the requests as a JSONL file (`files.create`, purpose `batch`), one
 * batch on `/v1/chat/completions` (or `/v1/responses`) with the 24 h window, its status, then its output and error files
 * read back and matched by `custom_id`.
 */
export function openaiBatches<P = ChatParams, R = ChatCompletion>(
  sdk: OpenAI,
  endpoint: "/v1/chat/completions" | "/v1/responses" = "/v1/chat/completions",
): BatchBackend<P, R> {
  return {
    // OpenAI's limit per batch (and 200 MB per input file).
    maxItems: 50_000,
    line(customId, params) {
      return JSON.stringify({
        custom_id: customId,
        method: "POST",
        url: endpoint,
        body: params,
      });
    },
    async submit(lines) {
      // The lines as they were read from the spool, joined only inside the Blob.
      const parts = lines.flatMap((line) => [line, NEWLINE]);
      const file = await sdk.files.create({
        file: await toFile(new Blob(parts, { type: "application/jsonl" }), "rubric-gate-batch.jsonl"),
        purpose: "batch",
      });
      const batch = await sdk.batches.create({
        input_file_id: file.id,
        endpoint,
        completion_window: "24h",
        metadata: { tool: "rubric-gate" },
      });
      return batch.id;
    },
    async poll(id) {
      const batch = await sdk.batches.retrieve(id);
      if (batch.status === "completed" || batch.status === "expired" || batch.status === "cancelled")
        return { state: "ended" };
      if (batch.status === "failed") {
        const reasons = batch.errors?.data?.map((e) => e.message ?? e.code ?? "").filter(Boolean) ?? [];
        return { state: "failed", message: reasons.join("; ") || "no reason given" };
      }
      return { state: "running" };
    },
    async *results(id) {
      const batch = await sdk.batches.retrieve(id);
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        const response = await sdk.files.content(fileId);
        if (!response.body) continue;
        for await (const line of lines(response.body)) {
          if (line.trim() === "") continue;
          yield openaiOutcome<R>(JSON.parse(line) as OpenAIResultLine);
        }
      }
    },
  };
}

const NEWLINE = Buffer.from("\n");

/** A byte stream's lines, decoded as UTF-8, without holding more than one line and one chunk. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, end);
      rest = rest.slice(end + 1);
    }
  }
  rest += decoder.decode();
  if (rest !== "") yield rest;
}

interface OpenAIResultLine {
  custom_id: string;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string; message?: string } | null;
}

function openaiOutcome<R>(line: OpenAIResultLine): BatchOutcome<R> {
  const customId = line.custom_id;
  if (line.response && line.response.status_code === 200)
    return { customId, ok: true, response: line.response.body as R };
  if (line.error) {
    const expired = line.error.code === "batch_expired";
    return {
      customId,
      ok: false,
      error: new ModelError(
        expired ? "timeout" : "server",
        expired
          ? "the batch expired before this request ran (24 h window)"
          : `the batch did not run this request: ${line.error.code ?? ""} ${line.error.message ?? ""}`.trim(),
      ),
    };
  }
  const status = line.response?.status_code ?? 500;
  const body = line.response?.body as { error?: { message?: string } } | undefined;
  const message = body?.error?.message ?? `HTTP ${status}`;
  return {
    customId,
    ok: false,
    error: new ModelError(classifyStatus(status, undefined, message).kind, message, status),
  };
}

/** Anthropic Message Batches through the SDK: create, retrieve, then the results stream matched by `custom_id`. */
export function anthropicBatches(sdk: Anthropic): BatchBackend<MessageParams, Message> {
  return {
    // Anthropic's limit per batch (and 256 MB).
    maxItems: 100_000,
    line(customId, params) {
      return JSON.stringify({ custom_id: customId, params });
    },
    async submit(lines) {
      // One batch's requests in memory at a time: the round cuts its spool into batches of 32 MB.
      const requests = lines.map(
        (line) => JSON.parse(line.toString("utf8")) as Anthropic.Messages.Batches.BatchCreateParams.Request,
      );
      const batch = await sdk.messages.batches.create({ requests });
      return batch.id;
    },
    async poll(id) {
      const batch = await sdk.messages.batches.retrieve(id);
      return batch.processing_status === "ended" ? { state: "ended" } : { state: "running" };
    },
    async *results(id) {
      for await (const line of await sdk.messages.batches.results(id)) {
        const customId = line.custom_id;
        const { result } = line;
        if (result.type === "succeeded") yield { customId, ok: true, response: result.message };
        else if (result.type === "errored") {
          const type = result.error.error.type;
          yield {
            customId,
            ok: false,
            error: new ModelError(
              type === "invalid_request_error"
                ? "bad_request"
                : type === "authentication_error"
                  ? "auth"
                  : "server",
              `the batch request errored: ${type}: ${result.error.error.message}`,
            ),
          };
        } else
          yield {
            customId,
            ok: false,
            error: new ModelError(
              result.type === "expired" ? "timeout" : "server",
              result.type === "expired"
                ? "the batch expired before this request ran (24 h window)"
                : "the batch was canceled before this request ran",
            ),
          };
      }
    },
  };
}
