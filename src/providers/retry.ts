import { setTimeout as delay } from "node:timers/promises";
import type { Clock } from "../ports/clock.js";
import { backoffMs } from "./backoff.js";
import type { Permit, RateLimiter } from "./rate-limit.js";
import { ModelError, type ModelErrorKind } from "../ports/models.js";

/** How hard a model call tries before it gives up. The SDKs' own retries are off (`maxRetries: 0`). */
export interface RetryPolicy {
  /** HTTP attempts in all, the first one included. Default 4. */
  maxAttempts?: number;
  /** Longest `retry-after` the call waits for; a longer one fails at once. Default 60 s. */
  maxRetryWaitMs?: number;
  /** Absolute time on `clock` (the run budget): a retry wait that would end after it is not taken. */
  deadline?: number;
  clock: Clock;
  /**
   * Shared by every call to the same endpoint in a run: a 429 to any of them pauses them all, and every
   * attempt waits for the pause (within `maxRetryWaitMs` and the deadline) instead of its own backoff.
   */
  limiter?: RateLimiter;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;
/** Per HTTP attempt, when the caller sets no `timeoutMs`. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 120_000;
/** Longer timers overflow Node's 32-bit delay and would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What went wrong in one attempt, as the provider adapter reads its SDK's error. */
export interface Failure {
  kind: ModelErrorKind;
  /** Whether another attempt may succeed (408, 409, 429, 5xx, connection, timeout). */
  retryable: boolean;
  status?: number;
  /** The server's requested wait (`retry-after-ms` / `retry-after`), when it sent one. */
  retryAfterMs?: number;
  message: string;
}

/** Real time; `sleep` rejects when the signal aborts. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, attempts run out, or waiting would break
 * `maxRetryWaitMs` or the deadline. Every failure ends as a `ModelError` with the last error as `cause`.
 * `attempt` gets its 1-based number and a signal that aborts on `signal` or after `attemptTimeoutMs`.
 */
export async function withRetries<T>(
  attempt: (n: number, signal: AbortSignal) => Promise<T>,
  classify: (error: unknown) => Failure,
  policy: RetryPolicy,
  signal?: AbortSignal,
  attemptTimeoutMs?: number,
): Promise<T> {
  const maxAttempts = Math.max(1, policy.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const maxRetryWaitMs = policy.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
  const { clock, deadline, limiter } = policy;

  for (let n = 1; ; n++) {
    if (signal?.aborted) throw abortedError(signal);
    let permit: Permit | undefined;
    try {
      permit = await limiter?.acquire({
        maxWaitMs: maxRetryWaitMs,
        signal,
        ...(deadline === undefined ? {} : { deadline }),
      });
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, error);
      throw error;
    }
    const remaining = deadline === undefined ? Infinity : deadline - clock.now();
    if (remaining <= 0) {
      permit?.failed(false);
      throw new ModelError("deadline", `the run's time budget ran out before attempt ${n}`);
    }
    const timeoutMs = Math.min(attemptTimeoutMs ?? Infinity, remaining);
    // The run's budget, not the per-call timeout, is what would cut this attempt short.
    const cutByDeadline = remaining < (attemptTimeoutMs ?? Infinity);

    const controller = new AbortController();
    const onAbort = () => {
      controller.abort(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer =
      timeoutMs <= MAX_TIMER_MS
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new Error("attempt timed out"));
          }, timeoutMs)
        : undefined;

    let failure: Failure;
    let cause: unknown;
    try {
      const result = await attempt(n, controller.signal);
      permit?.succeeded();
      return result;
    } catch (error) {
      cause = error;
      if (signal?.aborted) throw abortedError(signal, error);
      failure = !timedOut
        ? classify(error)
        : cutByDeadline
          ? { kind: "deadline", retryable: false, message: "the run's time budget ran out during the call" }
          : { kind: "timeout", retryable: true, message: `no answer within ${Math.round(timeoutMs)} ms` };
      permit?.failed(isSlowDown(failure), failure.retryAfterMs);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Settles an attempt cut short by the caller's signal; a no-op once settled above.
      permit?.failed(false);
    }

    const fail = (kind: ModelErrorKind, message: string) =>
      new ModelError(kind, message, failure.status, { cause });
    if (!failure.retryable) throw fail(failure.kind, failure.message);
    if (n >= maxAttempts) {
      throw fail(failure.kind, `${failure.message} (gave up after ${n} attempt${n === 1 ? "" : "s"})`);
    }

    const untilDeadline = deadline === undefined ? Infinity : Math.max(0, deadline - clock.now());
    const deadlineText = Number.isFinite(untilDeadline)
      ? `the run's deadline is in ${seconds(untilDeadline)}`
      : "there is no run deadline";
    const retryAfter = failure.retryAfterMs === undefined ? undefined : Math.max(0, failure.retryAfterMs);
    if (retryAfter !== undefined && (retryAfter > maxRetryWaitMs || retryAfter > untilDeadline)) {
      // Past the run's budget the file is interrupted, not failed: the budget, not the judge, stopped it.
      throw fail(
        retryAfter > maxRetryWaitMs ? "rate_limit" : "deadline",
        `${failure.message}: the server asks to retry after ${seconds(retryAfter)}, but the longest retry ` +
          `wait is ${seconds(maxRetryWaitMs)} and ${deadlineText}; not waiting`,
      );
    }
    // The shared limiter now holds the pause this failure asked for: the next acquire waits it out.
    if (limiter && isSlowDown(failure)) continue;
    const wait = retryAfter ?? backoffMs(n - 1);
    if (wait > untilDeadline) throw fail("deadline", `${failure.message}; no retry: ${deadlineText}`);
    await sleep(clock, wait, signal);
  }
}

/** A failure that asks every caller to slow down: 429, and Anthropic's 529 "overloaded". */
export function isSlowDown(failure: Failure): boolean {
  return failure.kind === "rate_limit" || failure.status === 529;
}

/** The wait a response asks for: `retry-after-ms`, else `retry-after` (delta seconds or HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms) {
    const value = Number(ms.trim());
    if (Number.isFinite(value)) return Math.max(0, value);
  }
  const after = headers?.get("retry-after")?.trim();
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Kind and retryability of an HTTP error status, shared by the providers (quota checks come first, in the adapter). */
export function classifyStatus(status: number, headers: Headers | undefined, message: string): Failure {
  const retryAfterMs = parseRetryAfter(headers);
  const retry = (kind: ModelErrorKind): Failure => ({ kind, retryable: true, status, message, retryAfterMs });
  if (status === 401 || status === 403) return { kind: "auth", retryable: false, status, message };
  if (status === 402) return { kind: "quota", retryable: false, status, message };
  if (status === 408) return retry("timeout");
  if (status === 409) return retry("server");
  if (status === 429) return retry("rate_limit");
  if (status >= 500) return retry("server");
  return { kind: "bad_request", retryable: false, status, message };
}

/** A failure that is no HTTP error: the SDK refused to send (no credentials, bad option) or a bug. Not retried. */
export function classifyOtherError(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  // Without a key both SDKs fail before any request, with a message that names the credentials.
  const kind = /credential|authentication|api.?key/i.test(message) ? "auth" : "bad_request";
  return { kind, retryable: false, message };
}

/** "Connection error." alone says little: adds the socket-level reasons (refused, reset, closed). */
export function connectionMessage(error: Error): string {
  const reasons: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++) {
    reasons.push(cause.message);
    cause = cause.cause;
  }
  return reasons.length ? `${error.message} (${reasons.join(": ")})` : error.message;
}

async function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal, error);
    throw error;
  }
}

function abortedError(signal: AbortSignal, cause: unknown = signal.reason): ModelError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error && reason.name !== "AbortError" ? `: ${reason.message}` : "";
  return new ModelError("aborted", `the model call was cancelled${why}`, undefined, { cause });
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
