import { createHash } from "node:crypto";
import {
  ModelError,
  type AnswerLog,
  type ModelAnswer,
  type ModelClient,
  type StructuredRequest,
} from "../ports/models.js";

/**
 * A batch run's client for one file's grading (SPEC §12). Each request is named by the file, its
 * content without the nonce, and which occurrence of that content this is in the file's grading
 * (several samples stay several requests). An answer already in the log is replayed; any other request
 * goes on to the client under its name: into a batch, which ends this grading with `BatchPending` until
 * a round brings its result; or online, for a tool loop. What comes back is logged, so a later pass
 * replays it without asking (or counting) it again.
 */
export function replaying(client: ModelClient, options: { answers: AnswerLog; scope: string }): ModelClient {
  const occurrences = new Map<string, number>();
  return {
    ...client,
    async complete(request) {
      const digest = requestDigest(options.scope, request);
      const n = (occurrences.get(digest) ?? 0) + 1;
      occurrences.set(digest, n);
      const key = `${digest}-${n}`;
      const logged = options.answers.get(key);
      if (logged !== undefined) {
        if (logged instanceof ModelError) throw logged;
        return logged;
      }
      let answer: ModelAnswer;
      try {
        answer = await client.complete({ ...request, batchKey: key });
      } catch (error) {
        // A refusal of the run's own (a budget, an interrupt) is not the model's answer: not kept.
        if (error instanceof ModelError && error.kind !== "aborted" && !request.signal?.aborted)
          options.answers.put(key, error);
        throw error;
      }
      options.answers.put(key, answer);
      return answer;
    },
  };
}

/** 40 hex digits naming a request's content in its file, with its nonce left out. */
function requestDigest(scope: string, request: StructuredRequest): string {
  let identity = JSON.stringify([
    scope,
    request.system,
    request.messages,
    request.schemaName,
    request.schemaDescription,
    request.schema,
    request.maxOutputTokens,
    request.cacheKey ?? null,
    request.tools?.specs.map((spec) => spec.name) ?? null,
  ]);
  if (request.nonce) identity = identity.replaceAll(request.nonce, "\u0000nonce\u0000");
  return createHash("sha256").update(identity).digest("hex").slice(0, 40);
}
