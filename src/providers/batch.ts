import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Clock } from "../ports/clock.js";
import { ModelError } from "../ports/models.js";

/** One request of a batch, under the id its result comes back with. */
export interface BatchItem<P> {
  customId: string;
  params: P;
}

/** One result of a batch, matched back by its request's id. */
export type BatchOutcome<R> =
  { customId: string; ok: true; response: R } | { customId: string; ok: false; error: ModelError };

/** A provider's batch API (OpenAI Batch, Anthropic Message Batches), through its official SDK. */
export interface BatchBackend<P, R> {
  /** Most requests in one batch. */
  readonly maxItems: number;
  /** Submits one batch; returns its id. */
  submit(items: ReadonlyArray<BatchItem<P>>): Promise<string>;
  /** Whether the batch has ended (its results are ready), is still running, or failed as a whole. */
  poll(id: string): Promise<{ state: "running" } | { state: "ended" } | { state: "failed"; message: string }>;
  /** Every result of an ended batch. */
  results(id: string): Promise<Array<BatchOutcome<R>>>;
}

/** What the state file keeps (SPEC §12): every batch submitted and the request ids it holds. */
interface StateFile {
  version: 1;
  batches: Array<{ client: string; id: string; custom_ids: string[]; submitted_at: string }>;
}

/**
 * The run's batch state, shared by every model's batcher and kept in a file (default
 * `.rubric-gate/batch-state.json`), so that the same command run again after a stop finds the batches
 * it submitted and collects them instead of paying twice. Written atomically after every submission;
 * removed when a run ends with every batch collected.
 */
export class BatchState {
  private state: StateFile = { version: 1, batches: [] };
  private loaded: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly collected = new Set<string>();
  private readonly watched = new Set<string>();

  constructor(readonly path: string) {}

  /** Reads the file once; a missing file is an empty state, a broken one an error that names it. */
  ready(): Promise<void> {
    this.loaded ??= readFile(this.path, "utf8").then(
      (text) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          throw new Error(
            `${this.path} is not a batch state file (${(error as Error).message}); move it away to start afresh (batches it named would be paid for again)`,
            { cause: error },
          );
        }
        const state = parsed as Partial<StateFile>;
        if (state.version !== 1 || !Array.isArray(state.batches))
          throw new Error(
            `${this.path} is not a batch state file of this version; move it away to start afresh`,
          );
        this.state = state as StateFile;
      },
      (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      },
    );
    return this.loaded;
  }

  /** The batch a request was submitted in by this client, in this run or an earlier one. */
  batchOf(client: string, customId: string): string | undefined {
    return this.state.batches.find((b) => b.client === client && b.custom_ids.includes(customId))?.id;
  }

  customIdsOf(id: string): string[] {
    return this.state.batches.find((b) => b.id === id)?.custom_ids ?? [];
  }

  async record(client: string, id: string, customIds: string[], now: Date): Promise<void> {
    this.state.batches.push({ client, id, custom_ids: customIds, submitted_at: now.toISOString() });
    await this.save();
  }

  /** A batch that failed as a whole: forgotten, so the next run submits its requests again. */
  async forget(id: string): Promise<void> {
    this.state.batches = this.state.batches.filter((b) => b.id !== id);
    await this.save();
  }

  /** A batch this run waits for (submitted now, or found in the file for a request asked again). */
  watch(id: string): void {
    this.watched.add(id);
  }

  /** A batch whose results this run has read. */
  collect(id: string): void {
    this.collected.add(id);
  }

  /** Batches this run waited for and did not collect (a time budget ran out, the run stopped). */
  uncollected(): string[] {
    return this.state.batches
      .filter((b) => this.watched.has(b.id) && !this.collected.has(b.id))
      .map((b) => b.id);
  }

  /**
   * At the end of a run: keeps the batches it waited for and did not collect, so the next run collects
   * them; forgets the rest — collected ones, and those of an earlier run whose requests no file asked for
   * again (their content changed: their results would never be used). No batch left: the file goes.
   */
  async finish(): Promise<{ kept: number }> {
    await this.writing;
    const open = new Set(this.uncollected());
    if (open.size === 0) {
      await rm(this.path, { force: true });
      return { kept: 0 };
    }
    if (open.size < this.state.batches.length) {
      this.state.batches = this.state.batches.filter((b) => open.has(b.id));
      await this.save();
    }
    return { kept: open.size };
  }

  private save(): Promise<void> {
    const text = `${JSON.stringify(this.state, null, 2)}\n`;
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, text);
      await rename(temporary, this.path);
    });
    return this.writing;
  }
}

export interface BatcherOptions {
  clock: Clock;
  /** A request waits this long for others before a batch is sent (the round is then complete). */
  quietMs?: number;
  /** First poll after this long; then ×1.5 each time, up to `maxPollMs`. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Absolute time on `clock` when the run's time budget ends: waiting stops there, the state stays. */
  deadline?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of each batch submitted. */
  onSubmit?: (id: string, requests: number) => void;
}

/**
 * A run's batch settings: its state, its clock and time budget, the two tuning knobs from the
 * environment (`RUBRIC_GATE_BATCH_POLL_MS`, first poll, default 2000; `RUBRIC_GATE_BATCH_QUIET_MS`, how
 * long a round waits for more requests, default 500) and a line said per batch submitted.
 */
export function batchSettings(options: {
  state: BatchState;
  clock: Clock;
  deadline?: number;
  env: Readonly<Record<string, string | undefined>>;
  say: (line: string) => void;
}): BatchSettings {
  const ms = (value: string | undefined, fallback: number): number => {
    const n = Number(value);
    return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    state: options.state,
    options: {
      clock: options.clock,
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      quietMs: ms(options.env.RUBRIC_GATE_BATCH_QUIET_MS, 500),
      firstPollMs: ms(options.env.RUBRIC_GATE_BATCH_POLL_MS, 2_000),
      onSubmit: (id, requests) => {
        options.say(`submitted batch ${id} (${requests} request${requests === 1 ? "" : "s"}); polling it`);
      },
    },
  };
}

/** What a client needs to batch its calls: the run's shared state and the batcher's options. */
export interface BatchSettings {
  state: BatchState;
  options: BatcherOptions;
}

interface Waiter<R> {
  resolve: (response: R) => void;
  reject: (error: ModelError) => void;
}

/**
 * Turns one model's calls into rounds of batches. A request is queued under an id derived from its
 * content (so a resumed run asks for the same ids); when no request has come for `quietMs`, the queue
 * goes out as one batch, its id is saved in the state, and it is polled with backoff until it ends;
 * each result settles its request. A request the state says was already submitted is not sent again:
 * its batch is polled instead.
 */
export class Batcher<P, R> {
  private queue: Array<BatchItem<P>> = [];
  private readonly waiters = new Map<string, Array<Waiter<R>>>();
  private readonly occurrences = new Map<string, number>();
  private readonly watching = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: string,
    private readonly backend: BatchBackend<P, R>,
    private readonly state: BatchState,
    private readonly options: BatcherOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Sends `params` in the next batch (or finds it in one already submitted) and resolves with its
   * result. `nonce`, the request's random data delimiter, is left out of its identity: a resumed run
   * builds the same request with another nonce, and must find the one it submitted before.
   */
  async request(params: P, signal?: AbortSignal, nonce?: string): Promise<R> {
    await this.state.ready();
    let identity = JSON.stringify(params);
    if (nonce) identity = identity.replaceAll(nonce, "\u0000nonce\u0000");
    // The n-th identical request of a run gets the n-th id: several samples stay several requests.
    const digest = createHash("sha256").update(identity).digest("hex").slice(0, 40);
    const n = (this.occurrences.get(digest) ?? 0) + 1;
    this.occurrences.set(digest, n);
    const customId = `rg-${digest}-${n}`;
    return new Promise<R>((resolve, reject) => {
      const waiter: Waiter<R> = { resolve, reject };
      this.waiters.set(customId, [...(this.waiters.get(customId) ?? []), waiter]);
      signal?.addEventListener(
        "abort",
        () => {
          reject(new ModelError("aborted", `${this.client}: the run stopped while the batch was pending`));
        },
        { once: true },
      );
      const submitted = this.state.batchOf(this.client, customId);
      if (submitted !== undefined) {
        this.watch(submitted);
        return;
      }
      this.queue.push({ customId, params });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.queue.length >= this.backend.maxItems) {
      void this.flush();
      return;
    }
    this.timer = setTimeout(() => void this.flush(), this.options.quietMs ?? 500);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const items = this.queue.splice(0, this.backend.maxItems);
    if (items.length === 0) return;
    if (this.queue.length > 0) this.schedule();
    let id: string;
    try {
      id = await this.backend.submit(items);
    } catch (error) {
      const failure =
        error instanceof ModelError
          ? error
          : new ModelError("connection", `submitting a batch failed: ${String(error)}`);
      for (const item of items)
        this.settle(item.customId, { customId: item.customId, ok: false, error: failure });
      return;
    }
    await this.state.record(
      this.client,
      id,
      items.map((i) => i.customId),
      new Date(this.options.clock.now()),
    );
    this.options.onSubmit?.(id, items.length);
    this.watch(id);
  }

  private watch(id: string): void {
    if (this.watching.has(id)) return;
    this.watching.add(id);
    this.state.watch(id);
    void this.pollUntilEnded(id);
  }

  private async pollUntilEnded(id: string): Promise<void> {
    const { clock, deadline } = this.options;
    let wait = this.options.firstPollMs ?? 2_000;
    const maxWait = this.options.maxPollMs ?? 60_000;
    let failures = 0;
    for (;;) {
      if (deadline !== undefined && clock.now() + wait > deadline) {
        this.settleBatch(id, () => ({
          error: new ModelError(
            "deadline",
            `${this.client}: batch ${id} had not ended when the time budget ran out; run the same command again to collect it (it is in ${this.state.path})`,
          ),
        }));
        return;
      }
      await this.sleep(wait);
      wait = Math.min(wait * 1.5, maxWait);
      let status: Awaited<ReturnType<BatchBackend<P, R>["poll"]>>;
      try {
        status = await this.backend.poll(id);
        failures = 0;
      } catch (error) {
        // A poll that failed says nothing of the batch: ask again, five times in a row at most.
        if (++failures < 5) continue;
        this.settleBatch(id, () => ({
          error: new ModelError("connection", `${this.client}: polling batch ${id} failed: ${String(error)}`),
        }));
        return;
      }
      if (status.state === "running") continue;
      if (status.state === "failed") {
        const customIds = this.state.customIdsOf(id);
        await this.state.forget(id);
        this.settleIds(id, customIds, () => ({
          error: new ModelError("bad_request", `${this.client}: batch ${id} failed: ${status.message}`),
        }));
        return;
      }
      let outcomes: Array<BatchOutcome<R>>;
      try {
        outcomes = await this.backend.results(id);
      } catch (error) {
        this.settleBatch(id, () => ({
          error: new ModelError(
            "connection",
            `${this.client}: reading batch ${id}'s results failed: ${String(error)}`,
          ),
        }));
        return;
      }
      this.state.collect(id);
      const byId = new Map(outcomes.map((o) => [o.customId, o]));
      this.settleBatch(id, (customId) => {
        const outcome = byId.get(customId);
        if (!outcome)
          return {
            error: new ModelError(
              "server",
              `${this.client}: batch ${id} has no result for request ${customId}`,
            ),
          };
        return outcome.ok ? { response: outcome.response } : { error: outcome.error };
      });
      return;
    }
  }

  /** Settles every waiting request of a batch: with its result, or the error. */
  private settleBatch(
    id: string,
    outcomeOf: (customId: string) => { response: R } | { error: ModelError },
  ): void {
    this.settleIds(id, this.state.customIdsOf(id), outcomeOf);
  }

  private settleIds(
    id: string,
    customIds: string[],
    outcomeOf: (customId: string) => { response: R } | { error: ModelError },
  ): void {
    this.watching.delete(id);
    for (const customId of customIds) {
      const outcome = outcomeOf(customId);
      this.settle(
        customId,
        "response" in outcome
          ? { customId, ok: true, response: outcome.response }
          : { customId, ok: false, error: outcome.error },
      );
    }
  }

  private settle(customId: string, outcome: BatchOutcome<R>): void {
    const waiting = this.waiters.get(customId);
    if (!waiting) return;
    this.waiters.delete(customId);
    for (const waiter of waiting) {
      if (outcome.ok) waiter.resolve(outcome.response);
      else waiter.reject(outcome.error);
    }
  }
}
