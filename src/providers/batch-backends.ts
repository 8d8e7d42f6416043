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
 * batch on `/v1/chat/completions` with the 24 h window, its status, then its output and error files
 * read back and matched by `custom_id`.
 */
export function openaiBatches(sdk: OpenAI): BatchBackend<ChatParams, ChatCompletion> {
  return {
    // OpenAI's limit per batch (and 200 MB per input file).
    maxItems: 50_000,
    async submit(items) {
      // One buffer per line, joined only inside the Blob: no second copy of the whole file as a string.
      const lines = items.map((item) =>
        Buffer.from(
          `${JSON.stringify({ custom_id: item.customId, method: "POST", url: "/v1/chat/completions", body: item.params })}\n`,
        ),
      );
      const file = await sdk.files.create({
        file: await toFile(new Blob(lines, { type: "application/jsonl" }), "rubric-gate-batch.jsonl"),
        purpose: "batch",
      });
      const batch = await sdk.batches.create({
        input_file_id: file.id,
        endpoint: "/v1/chat/completions",
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
    async results(id) {
      const batch = await sdk.batches.retrieve(id);
      const outcomes: Array<BatchOutcome<ChatCompletion>> = [];
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        const text = await (await sdk.files.content(fileId)).text();
        for (const line of text.split("\n")) {
          if (line.trim() === "") continue;
          outcomes.push(openaiOutcome(JSON.parse(line) as OpenAIResultLine));
        }
      }
      return outcomes;
    },
  };
}

interface OpenAIResultLine {
  custom_id: string;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string; message?: string } | null;
}

function openaiOutcome(line: OpenAIResultLine): BatchOutcome<ChatCompletion> {
  const customId = line.custom_id;
  if (line.response && line.response.status_code === 200)
    return { customId, ok: true, response: line.response.body as ChatCompletion };
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
    async submit(items) {
      const batch = await sdk.messages.batches.create({
        requests: items.map((item) => ({ custom_id: item.customId, params: item.params })),
      });
      return batch.id;
    },
    async poll(id) {
      const batch = await sdk.messages.batches.retrieve(id);
      return batch.processing_status === "ended" ? { state: "ended" } : { state: "running" };
    },
    async results(id) {
      const outcomes: Array<BatchOutcome<Message>> = [];
      for await (const line of await sdk.messages.batches.results(id)) {
        const customId = line.custom_id;
        const { result } = line;
        if (result.type === "succeeded") outcomes.push({ customId, ok: true, response: result.message });
        else if (result.type === "errored") {
          const type = result.error.error.type;
          outcomes.push({
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
          });
        } else
          outcomes.push({
            customId,
            ok: false,
            error: new ModelError(
              result.type === "expired" ? "timeout" : "server",
              result.type === "expired"
                ? "the batch expired before this request ran (24 h window)"
                : "the batch was canceled before this request ran",
            ),
          });
      }
      return outcomes;
    },
  };
}
