import type { Clock } from "../ports/clock.js";
import { backoffMs } from "./backoff.js";
import { ModelError } from "../ports/models.js";

/** One HTTP attempt's place in the limiter; settle it exactly once (later calls are ignored). */
export interface Permit {
  /** The attempt got an answer: ends a probe and lets the concurrency grow back. */
  succeeded(): void;
  /** The attempt failed; `rateLimited` when the server said "slow down" (429, 529), with its wait. */
  failed(rateLimited: boolean, retryAfterMs?: number): void;
}

export interface AcquireOptions {
  /** Absolute time on the clock (the run budget): a pause that ends after it fails at once. */
  deadline?: number;
  /** Longest pause to wait out; a longer one fails at once, as a long `retry-after` does. */
  maxWaitMs: number;
  signal?: AbortSignal;
}

/** What the limiter has seen, for tests and the benchmark. */
export interface RateLimitStats {
  /** Attempts answered with a rate-limit error. */
  rateLimited: number;
  /** Times the gate closed (first 429 of a new generation of attempts). */
  pauses: number;
  /** Lowest effective concurrency reached (Infinity when never lowered). */
  lowestCap: number;
}

/**
 * A gate shared by every worker that calls one model endpoint. A rate-limit answer to any attempt
 * closes it for everyone until the server's `retry-after` (or an exponential backoff) has passed; it
 * then reopens with a single probe, and only when the probe succeeds do the others follow. The
 * effective concurrency halves on each new pause and grows back by one every `cap` successes
 * (additive increase, multiplicative decrease), so a burst of workers does not hammer a limit that
 * one of them has just hit.
 */
export class RateLimiter {
  private notBefore = -Infinity;
  private cap = Infinity;
  private inFlight = 0;
  private peakInFlight = 0;
  /** Bumped on every pause: a 429 to an attempt sent before the pause is old news, not a new pause. */
  private generation = 0;
  /** Pauses since the last success, for the backoff without `retry-after`. */
  private strikes = 0;
  private probing = false;
  private probeOut = false;
  private successes = 0;
  /** Callers waiting, first come first served: a caller that just failed queues behind the others. */
  private queue: Waiter[] = [];
  private timer: AbortController | undefined;
  readonly stats: RateLimitStats = { rateLimited: 0, pauses: 0, lowestCap: Infinity };

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Waits until an attempt may start: past the shared pause, under the effective concurrency, not while
   * a probe is out, and after the callers that came first. Throws a `ModelError("rate_limit")` at once
   * when the pause would end after the deadline or last longer than `maxWaitMs` (also when a later 429
   * extends the pause while it waits); rejects with the signal's reason when it aborts.
   */
  acquire(options: AcquireOptions): Promise<Permit> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const tooLong = this.tooLong(options);
    if (tooLong) return Promise.reject(tooLong);
    if (this.queue.length === 0 && this.ready()) return Promise.resolve(this.grant());
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { ...options, resolve, reject, dispose: () => undefined };
      if (signal) {
        const onAbort = () => {
          this.queue = this.queue.filter((w) => w !== waiter);
          reject(signal.reason as Error);
          this.pump();
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.dispose = () => {
          signal.removeEventListener("abort", onAbort);
        };
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  private ready(): boolean {
    return this.clock.now() >= this.notBefore && this.inFlight < this.cap && !(this.probing && this.probeOut);
  }

  private tooLong(options: AcquireOptions): ModelError | null {
    const now = this.clock.now();
    const pause = this.notBefore - now;
    if (pause <= 0) return null;
    const untilDeadline = options.deadline === undefined ? Infinity : options.deadline - now;
    if (pause <= options.maxWaitMs && pause <= untilDeadline) return null;
    const why =
      pause > options.maxWaitMs
        ? `the longest retry wait is ${seconds(options.maxWaitMs)}`
        : `the run's deadline is in ${seconds(Math.max(0, untilDeadline))}`;
    return new ModelError(
      pause > options.maxWaitMs ? "rate_limit" : "deadline",
      `rate limited: calls to this model are paused for ${seconds(pause)} after a 429, but ${why}; not waiting`,
      429,
    );
  }

  /** Grants what can be granted, in order; fails the waiters a pause no longer fits; times the pause. */
  private pump(): void {
    if (this.notBefore > this.clock.now()) {
      for (const waiter of [...this.queue]) {
        const tooLong = this.tooLong(waiter);
        if (!tooLong) continue;
        this.queue = this.queue.filter((w) => w !== waiter);
        waiter.dispose();
        waiter.reject(tooLong);
      }
      if (this.queue.length > 0) this.wakeAtPauseEnd();
    } else {
      while (this.queue.length > 0 && this.ready()) {
        const waiter = this.queue.shift() as Waiter;
        waiter.dispose();
        waiter.resolve(this.grant());
      }
    }
    if (this.queue.length === 0) {
      this.timer?.abort();
      this.timer = undefined;
    }
  }

  private wakeAtPauseEnd(): void {
    if (this.timer) return; // A pause only grows: the pending timer fires first, then re-arms.
    const timer = new AbortController();
    this.timer = timer;
    this.clock.sleep(this.notBefore - this.clock.now(), timer.signal).then(
      () => {
        if (this.timer === timer) this.timer = undefined;
        this.pump();
      },
      () => undefined, // cancelled: nobody is waiting any more
    );
  }

  private grant(): Permit {
    const generation = this.generation;
    const probe = this.probing;
    if (probe) this.probeOut = true;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    let settled = false;
    const release = (): boolean => {
      if (settled) return false;
      settled = true;
      this.inFlight--;
      if (probe) this.probeOut = false;
      return true;
    };
    return {
      succeeded: () => {
        if (!release()) return;
        if (probe) {
          this.probing = false;
          this.strikes = 0;
        }
        if (generation === this.generation) this.grow();
        this.pump();
      },
      failed: (rateLimited, retryAfterMs) => {
        if (!release()) return;
        if (rateLimited) this.pause(generation, probe, retryAfterMs);
        this.pump();
      },
    };
  }

  private pause(generation: number, probe: boolean, retryAfterMs: number | undefined): void {
    this.stats.rateLimited++;
    if (generation === this.generation) {
      this.generation++;
      this.strikes++;
      this.stats.pauses++;
      // A failed probe already runs alone: only a pause hit at full speed lowers the concurrency.
      if (!probe) {
        const before = Math.min(this.cap, this.inFlight + 1);
        this.cap = Math.max(1, Math.floor(before / 2));
        this.stats.lowestCap = Math.min(this.stats.lowestCap, this.cap);
      }
      this.successes = 0;
      this.probing = true;
    }
    const wait = retryAfterMs ?? backoffMs(Math.max(0, this.strikes - 1), this.random);
    this.notBefore = Math.max(this.notBefore, this.clock.now() + Math.max(0, wait));
  }

  /** Additive increase: one more attempt in flight after every `cap` successes, up to unlimited. */
  private grow(): void {
    if (this.cap === Infinity) return;
    if (++this.successes < this.cap) return;
    this.successes = 0;
    this.cap++;
    if (this.cap >= this.peakInFlight) this.cap = Infinity;
  }
}

interface Waiter extends AcquireOptions {
  resolve(permit: Permit): void;
  reject(error: unknown): void;
  dispose(): void;
}

/**
 * One `RateLimiter` per model endpoint for a whole run: every client built for the run with the same
 * provider, base URL and model shares it, so one 429 slows every worker that would hit the same limit.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(private readonly clock: Clock) {}

  /** The limiter of an endpoint, created on first use. */
  for(key: string): RateLimiter {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(this.clock);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Every limiter's stats, by key. */
  stats(): Record<string, RateLimitStats> {
    return Object.fromEntries([...this.limiters].map(([key, limiter]) => [key, { ...limiter.stats }]));
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
