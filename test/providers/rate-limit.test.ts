import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import { RateLimiter, RateLimits } from "../../src/providers/rate-limit.js";
import { withRetries, type Failure } from "../../src/providers/retry.js";
import { ModelError } from "../../src/ports/models.js";

/** A clock whose time moves only when the test advances it; sleeps end when their time comes. */
function manualClock(start = 1_000_000) {
  let now = start;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const clock: Clock & { advance(ms: number): Promise<void> } = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        signal?.addEventListener("abort", () => {
          reject(new Error("aborted"));
        });
        timers.push({ at: now + ms, resolve });
      }),
    async advance(ms) {
      now += ms;
      for (const timer of timers.filter((t) => t.at <= now)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.resolve();
      }
      await settle();
    },
  };
  return clock;
}

/** Lets every pending promise chain run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Starts an acquire and reports whether it has been granted yet. */
function pending(
  limiter: RateLimiter,
  options: Parameters<RateLimiter["acquire"]>[0] = { maxWaitMs: 60_000 },
) {
  const state: { permit?: Awaited<ReturnType<RateLimiter["acquire"]>>; error?: unknown } = {};
  void limiter.acquire(options).then(
    (permit) => (state.permit = permit),
    (error: unknown) => (state.error = error),
  );
  return state;
}

describe("RateLimiter", () => {
  it("a 429 to one caller pauses every caller until its retry-after has passed", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock);
    const a = await limiter.acquire({ maxWaitMs: 60_000 });
    a.failed(true, 1_000);
    const b = pending(limiter);
    const c = pending(limiter);
    await settle();
    expect(b.permit).toBeUndefined();
    expect(c.permit).toBeUndefined();
    await clock.advance(999);
    expect(b.permit).toBeUndefined();
    await clock.advance(1);
    // The gate reopens with one probe; the others follow once it succeeds.
    expect(b.permit).toBeDefined();
    expect(c.permit).toBeUndefined();
    b.permit?.succeeded();
    await settle();
    expect(c.permit).toBeDefined();
    expect(limiter.stats).toMatchObject({ rateLimited: 1, pauses: 1 });
  });

  it("a failed probe pauses again, with a growing backoff when the server gives no retry-after", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock, () => 0);
    (await limiter.acquire({ maxWaitMs: 60_000 })).failed(true);
    const probe = pending(limiter);
    await clock.advance(499);
    expect(probe.permit).toBeUndefined();
    await clock.advance(1);
    expect(probe.permit).toBeDefined();
    probe.permit?.failed(true);
    const next = pending(limiter);
    await clock.advance(999);
    expect(next.permit).toBeUndefined();
    await clock.advance(1);
    expect(next.permit).toBeDefined();
    expect(limiter.stats).toMatchObject({ rateLimited: 2, pauses: 2 });
  });

  it("429s to attempts sent before the pause count once: one pause, concurrency halved once", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock);
    const permits = await Promise.all(
      Array.from({ length: 8 }, () => limiter.acquire({ maxWaitMs: 60_000 })),
    );
    for (const permit of permits) permit.failed(true, 100);
    expect(limiter.stats).toMatchObject({ rateLimited: 8, pauses: 1, lowestCap: 4 });
  });

  it("halves the concurrency on a pause and grows it back by one every `cap` successes", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock);
    const eight = await Promise.all(Array.from({ length: 8 }, () => limiter.acquire({ maxWaitMs: 60_000 })));
    eight[0]?.failed(true, 10);
    for (const permit of eight.slice(1)) permit.succeeded();
    await clock.advance(10);
    const probe = await limiter.acquire({ maxWaitMs: 60_000 });
    probe.succeeded();
    // Cap 4 now: a fifth caller waits until one of four finishes.
    const four = await Promise.all(Array.from({ length: 4 }, () => limiter.acquire({ maxWaitMs: 60_000 })));
    const fifth = pending(limiter);
    await settle();
    expect(fifth.permit).toBeUndefined();
    four[0]?.succeeded();
    await settle();
    expect(fifth.permit).toBeDefined();
  });

  it("fails at once when the shared pause would end after the deadline or last longer than maxWaitMs", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock);
    (await limiter.acquire({ maxWaitMs: 60_000 })).failed(true, 5_000);
    const late = pending(limiter, { maxWaitMs: 60_000, deadline: clock.now() + 3_000 });
    const impatient = pending(limiter, { maxWaitMs: 1_000 });
    await settle();
    expect(late.error).toBeInstanceOf(ModelError);
    // Past the run's budget: a deadline (the file is interrupted); past the longest wait: a rate limit.
    expect(late.error).toMatchObject({ kind: "deadline" });
    expect((late.error as Error).message).toContain("deadline is in 3 s");
    expect(impatient.error).toMatchObject({ kind: "rate_limit" });
    expect((impatient.error as Error).message).toContain("longest retry wait is 1 s");
  });

  it("a caller waiting in the queue leaves it when its signal aborts", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock);
    (await limiter.acquire({ maxWaitMs: 60_000 })).failed(true, 10);
    await clock.advance(10);
    const probe = await limiter.acquire({ maxWaitMs: 60_000 });
    const controller = new AbortController();
    const waiting = pending(limiter, { maxWaitMs: 60_000, signal: controller.signal });
    controller.abort(new Error("cancelled"));
    await settle();
    expect((waiting.error as Error).message).toBe("cancelled");
    probe.succeeded();
  });

  it("RateLimits gives one limiter per key", () => {
    const limits = new RateLimits(manualClock());
    expect(limits.for("openai a m")).toBe(limits.for("openai a m"));
    expect(limits.for("openai a m")).not.toBe(limits.for("anthropic a m"));
  });
});

describe("withRetries with a shared limiter", () => {
  const rateLimited: Failure = {
    kind: "rate_limit",
    retryable: true,
    status: 429,
    message: "429",
    retryAfterMs: 2_000,
  };

  it("a call that never got a 429 waits for the pause another call was told to take", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock);
    const sent: Array<{ who: string; at: number }> = [];
    const first = withRetries(
      (n) => {
        sent.push({ who: "first", at: clock.now() });
        return n === 1 ? Promise.reject(new Error("429")) : Promise.resolve("first");
      },
      () => rateLimited,
      { clock, limiter },
    );
    await settle();
    const second = withRetries(
      () => {
        sent.push({ who: "second", at: clock.now() });
        return Promise.resolve("second");
      },
      () => rateLimited,
      { clock, limiter },
    );
    await settle();
    expect(sent).toEqual([{ who: "first", at: 1_000_000 }]);
    await clock.advance(2_000);
    await clock.advance(0);
    expect(await first).toBe("first");
    expect(await second).toBe("second");
    expect(sent.slice(1).every((s) => s.at === 1_002_000)).toBe(true);
    expect(sent).toHaveLength(3);
  });

  it("fails fast, without a request, when the shared pause does not fit the deadline", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(clock);
    (await limiter.acquire({ maxWaitMs: 60_000 })).failed(true, 3_600_000);
    let calls = 0;
    const error = await withRetries(
      () => {
        calls++;
        return Promise.resolve(1);
      },
      () => rateLimited,
      { clock, limiter, deadline: clock.now() + 60_000 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(0);
    expect(error).toMatchObject({ kind: "rate_limit" });
  });
});
