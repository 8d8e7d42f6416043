import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import {
  classifyStatus,
  parseRetryAfter,
  systemClock,
  withRetries,
  type Failure,
} from "../../src/providers/retry.js";
import { backoffMs } from "../../src/providers/backoff.js";
import { ModelError } from "../../src/ports/models.js";

/** A clock that moves only when something sleeps on it. */
function fakeClock(start = 1_000_000): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const serverError: Failure = { kind: "server", retryable: true, status: 503, message: "503 unavailable" };
const failWith = (failure: Failure) => () => failure;
const boom = () => Promise.reject(new Error("boom"));

describe("parseRetryAfter", () => {
  it("prefers retry-after-ms, then reads delta seconds or an HTTP date", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }))).toBe(2_000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.5" }))).toBe(500);
    const now = Date.parse("2026-01-15T12:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 15 Jan 2026 12:00:30 GMT" }), now)).toBe(
      30_000,
    );
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 15 Jan 2026 11:00:00 GMT" }), now)).toBe(0);
  });

  it("is undefined without a readable header", () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }))).toBeUndefined();
  });
});

describe("classifyStatus", () => {
  it.each([
    [401, "auth", false],
    [403, "auth", false],
    [402, "quota", false],
    [400, "bad_request", false],
    [404, "bad_request", false],
    [408, "timeout", true],
    [409, "server", true],
    [429, "rate_limit", true],
    [500, "server", true],
    [529, "server", true],
  ] as const)("HTTP %i is %s, retryable: %s", (status, kind, retryable) => {
    expect(classifyStatus(status, new Headers(), "m")).toMatchObject({ kind, retryable, status });
  });
});

describe("backoffMs", () => {
  it("doubles from 0.5 s up to 8 s, with up to 25 % jitter taken off", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => backoffMs(n, () => 0))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(backoffMs(0, () => 1)).toBe(375);
  });
});

describe("withRetries", () => {
  it("returns the first success and counts attempts", async () => {
    const clock = fakeClock();
    const seen: number[] = [];
    const result = await withRetries(
      (n) => {
        seen.push(n);
        return n < 3 ? boom() : Promise.resolve("ok");
      },
      failWith(serverError),
      { clock },
    );
    expect(result).toBe("ok");
    expect(seen).toEqual([1, 2, 3]);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(500);
    expect(clock.sleeps[1]).toBeGreaterThan(500);
  });

  it("gives up after maxAttempts (default 4) with the last failure's kind, status and cause", async () => {
    const clock = fakeClock();
    let calls = 0;
    const error = await withRetries(
      () => {
        calls++;
        return boom();
      },
      failWith(serverError),
      { clock },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "server", status: 503 });
    expect((error as ModelError).cause).toBeInstanceOf(Error);
  });

  it("never retries a failure that is not retryable", async () => {
    let calls = 0;
    const error = await withRetries(
      () => {
        calls++;
        return boom();
      },
      failWith({ kind: "quota", retryable: false, status: 429, message: "insufficient_quota" }),
      { clock: fakeClock() },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toMatchObject({ kind: "quota", status: 429 });
  });

  it("waits exactly the retry-after it is given", async () => {
    const clock = fakeClock();
    await withRetries(
      (n) => (n === 1 ? boom() : Promise.resolve(1)),
      failWith({ kind: "rate_limit", retryable: true, status: 429, message: "429", retryAfterMs: 7_000 }),
      { clock },
    );
    expect(clock.sleeps).toEqual([7_000]);
  });

  it("fails at once when the retry-after would end after the deadline: the budget ran out (deadline), not the judge", async () => {
    const clock = fakeClock();
    const error = await withRetries(
      boom,
      failWith({ kind: "server", retryable: true, status: 503, message: "503", retryAfterMs: 5_000 }),
      { clock, deadline: clock.now() + 3_000 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "deadline", status: 503 });
    expect((error as Error).message).toContain("retry after 5 s");
    expect((error as Error).message).toContain("deadline is in 3 s");
    expect(clock.sleeps).toEqual([]);
  });

  it("does not take a backoff wait that would end after the deadline", async () => {
    const clock = fakeClock();
    const error = await withRetries(boom, failWith(serverError), {
      clock,
      deadline: clock.now() + 100,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "deadline" });
    expect((error as Error).message).toContain("deadline");
    expect(clock.sleeps).toEqual([]);
  });

  it("does not start an attempt once the deadline has passed", async () => {
    const clock = fakeClock();
    let calls = 0;
    const error = await withRetries(
      () => {
        calls++;
        return Promise.resolve(1);
      },
      failWith(serverError),
      { clock, deadline: clock.now() - 1 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "deadline" });
    expect(calls).toBe(0);
  });

  it("aborts the attempt's signal after the per-attempt timeout", async () => {
    const attempt = (_n: number, signal: AbortSignal) =>
      new Promise<never>((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          reject(new Error("aborted by timer"));
        });
      });
    const error = await withRetries(
      attempt,
      failWith(serverError),
      { clock: fakeClock(), maxAttempts: 1 },
      undefined,
      20,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "timeout" });
  });

  it("ends as aborted when the caller's signal aborts", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await withRetries(
      () => Promise.resolve(1),
      failWith(serverError),
      { clock: fakeClock() },
      controller.signal,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "aborted" });
  });
});

describe("systemClock", () => {
  it("sleeps in real time and rejects when the signal aborts", async () => {
    const started = Date.now();
    await systemClock.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 10);
    await expect(systemClock.sleep(10_000, controller.signal)).rejects.toThrow();
  });
});
