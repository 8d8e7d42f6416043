import { ModelError } from "../ports/models.js";

// Socket errors that say the server is not there at all, as opposed to a connection that dropped.
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/**
 * What a run has learnt about its model endpoints: a server that refuses connections, refuses the key
 * or has no credit, and a model it does not know, are found out once (after the call's own bounded
 * retries). From then on every call to them fails at once with the same error, marked `endpointDown`,
 * so a dead endpoint costs one call's retries, not one per file.
 */
export class EndpointHealth {
  private readonly down = new Map<string, ModelError>();

  /** Throws the error that took the server (or this model on it) down, if any. */
  check(server: string, model: string): void {
    const known = this.down.get(server) ?? this.down.get(`${server} ${model}`);
    if (known) throw known;
  }

  /** Records a call's final error; returns it, marked `endpointDown` when it takes the endpoint down. */
  record(server: string, model: string, error: unknown): unknown {
    if (!(error instanceof ModelError)) return error;
    const scope = downScope(error);
    if (scope === null) return error;
    const down = new ModelError(error.kind, error.message, error.status, {
      cause: error.cause,
      endpointDown: true,
    });
    const key = scope === "server" ? server : `${server} ${model}`;
    if (!this.down.has(key)) this.down.set(key, down);
    return down;
  }

  /** Endpoints found down, for the end of a run. */
  failures(): Array<{ endpoint: string; message: string }> {
    return [...this.down].map(([endpoint, error]) => ({ endpoint, message: error.message }));
  }
}

/** Whether an error takes down the whole server, only the model, or nothing. */
function downScope(error: ModelError): "server" | "model" | null {
  if (error.kind === "auth" || error.kind === "quota") return "server";
  if (error.kind === "connection" && unreachable(error.cause)) return "server";
  // 404 on a model call: the model does not exist there (OpenAI `model_not_found`, Anthropic `not_found_error`).
  if (error.kind === "bad_request" && error.status === 404) return "model";
  return null;
}

function unreachable(cause: unknown, depth = 0): boolean {
  if (!(cause instanceof Error) || depth > 6) return false;
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== undefined && UNREACHABLE.has(code)) return true;
  // Node's connection attempts to several addresses fail with an AggregateError of each attempt's.
  if (cause instanceof AggregateError && cause.errors.some((e) => unreachable(e, depth + 1))) return true;
  return unreachable(cause.cause, depth + 1);
}
