import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Clock } from "../ports/clock.js";
import {
  BatchPending,
  ModelError,
  type AnswerLog,
  type BatchRounds,
  type ModelAnswer,
  type ModelErrorKind,
  type SettledCall,
  type Usage,
} from "../ports/models.js";

/** One result of a batch, matched back by its request's id. */
export type BatchOutcome<R> =
  { customId: string; ok: true; response: R } | { customId: string; ok: false; error: ModelError };

/** A provider's batch API (OpenAI Batch, Anthropic Message Batches), through its official SDK. */
export interface BatchBackend<P, R> {
  /** Most requests in one batch. */
  readonly maxItems: number;
  /** One request as a line of the provider's batch input (JSON, no line break). */
  line(customId: string, params: P): string;
  /** Submits one batch of lines made by `line`; returns its id. */
  submit(lines: Array<Buffer<ArrayBuffer>>): Promise<string>;
  /** Whether the batch has ended (its results are ready), is still running, or failed as a whole. */
  poll(id: string): Promise<{ state: "running" } | { state: "ended" } | { state: "failed"; message: string }>;
  /** The results of an ended batch, read as they stream in. */
  results(id: string): AsyncIterable<BatchOutcome<R>>;
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
  /** `client \0 custom_id` → the batch it went in. */
  private readonly index = new Map<string, string>();
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
        for (const batch of this.state.batches) this.indexBatch(batch);
      },
      (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      },
    );
    return this.loaded;
  }

  /** The batch a request was submitted in by this client, in this run or an earlier one. */
  batchOf(client: string, customId: string): string | undefined {
    return this.index.get(`${client}\u0000${customId}`);
  }

  customIdsOf(id: string): string[] {
    return this.state.batches.find((b) => b.id === id)?.custom_ids ?? [];
  }

  async record(client: string, id: string, customIds: string[], now: Date): Promise<void> {
    const batch = { client, id, custom_ids: customIds, submitted_at: now.toISOString() };
    this.state.batches.push(batch);
    this.indexBatch(batch);
    await this.save();
  }

  /** A batch that failed as a whole: forgotten, so the next run submits its requests again. */
  async forget(id: string): Promise<void> {
    for (const batch of this.state.batches)
      if (batch.id === id)
        for (const customId of batch.custom_ids) this.index.delete(`${batch.client}\u0000${customId}`);
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

  private indexBatch(batch: StateFile["batches"][number]): void {
    for (const customId of batch.custom_ids) this.index.set(`${batch.client}\u0000${customId}`, batch.id);
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

/**
 * JSON values by name in a file of a temporary folder, with only their names and places kept in
 * memory: a batch run's results and answers, however many files it grades.
 */
class DiskLog {
  private readonly fd: number;
  private size = 0;
  private readonly places = new Map<string, { offset: number; length: number }>();

  constructor(path: string) {
    this.fd = openSync(path, "w+", 0o600);
  }

  get(key: string): unknown {
    const place = this.places.get(key);
    if (!place) return undefined;
    const buffer = Buffer.alloc(place.length);
    readSync(this.fd, buffer, 0, place.length, place.offset);
    return JSON.parse(buffer.toString("utf8")) as unknown;
  }

  put(key: string, value: unknown): void {
    const buffer = Buffer.from(`${JSON.stringify(value)}\n`);
    writeSync(this.fd, buffer, 0, buffer.length, this.size);
    this.places.set(key, { offset: this.size, length: buffer.length - 1 });
    this.size += buffer.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A model error as the logs keep it. */
interface LoggedError {
  error: { kind: ModelErrorKind; message: string; status?: number };
}

const logged = (error: ModelError): LoggedError => ({
  error: {
    kind: error.kind,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
  },
});

const unlogged = ({ error }: LoggedError): ModelError =>
  new ModelError(error.kind, error.message, error.status);

/** One result of a batch as the run keeps it until its file asks for it again. */
type LoggedResult<R> = { response: R; latencyMs: number } | LoggedError;

/** A batch request waiting on disk to be sent: its name and the length of its line. */
interface Spooled {
  customId: string;
  bytes: number;
}

/**
 * Files a batch pass grades at once (or `--concurrency`, when higher): its calls go to the spool, not to
 * a model, so reading and building overlap; a bound all the same, for memory and open files.
 */
export const FILES_IN_HAND = 64;

/** Most bytes of requests in one batch: a round's requests are read back from disk a batch at a time. */
const BATCH_BYTES = 32 * 1024 * 1024;

/**
 * One model's batches in a batch run. A request the state says went into a batch already (this run's
 * earlier round, or a stopped run) is not sent again: that batch is polled in the round. Any other is
 * written as a line of the provider's batch input to a spool file; the round sends the spool as one or
 * more batches (at most `maxItems` requests and 32 MB each), saves their ids in the state, polls every
 * batch the pass waited for with backoff, and keeps each result on disk for the file's next pass.
 */
export class Batcher<P, R> {
  private readonly fd: number;
  private spooled: Spooled[] = [];
  private spoolBytes = 0;
  private readonly queued = new Set<string>();
  private readonly awaited = new Set<string>();

  /** What this round settled, for the run's meter. */
  private settled: SettledCall[] = [];

  constructor(
    private readonly client: string,
    private readonly model: string,
    private readonly backend: BatchBackend<P, R>,
    private readonly usageOf: (response: R) => Usage,
    private readonly run: BatchRun,
    spoolPath: string,
  ) {
    this.fd = openSync(spoolPath, "w+", 0o600);
  }

  /**
   * The result of `params` under `key` once a round has it (with the batch's latency); until then,
   * queues it for the next round — or finds it in a batch sent before — and throws `BatchPending`.
   * A request the batch did not run throws its error.
   */
  request(params: P, key: string, signal?: AbortSignal): { response: R; latencyMs: number } {
    const result = this.run.results.get(`${this.client}\u0000${key}`) as LoggedResult<R> | undefined;
    if (result !== undefined) {
      if ("error" in result) throw unlogged(result);
      return result;
    }
    if (signal?.aborted) throw new ModelError("aborted", "the run stopped before the batch was sent");
    const { clock, deadline } = this.run;
    const customId = `rg-${key}`;
    const submitted = this.run.state.batchOf(this.client, customId);
    if (submitted !== undefined) this.awaited.add(submitted);
    else if (deadline !== undefined && clock.now() >= deadline)
      throw new ModelError("deadline", "the run's time budget ran out before the batch was sent");
    else if (!this.queued.has(customId)) {
      const line = Buffer.from(`${this.backend.line(customId, params)}\n`);
      writeSync(this.fd, line, 0, line.length, this.spoolBytes);
      this.spoolBytes += line.length;
      this.spooled.push({ customId, bytes: line.length });
      this.queued.add(customId);
    }
    throw new BatchPending(`${this.client}: request ${customId} is in a batch`);
  }

  /** Sends the spool, waits for every batch the pass waited for; returns what it settled. */
  async round(signal?: AbortSignal): Promise<SettledCall[]> {
    await this.send(signal);
    const batches = [...this.awaited];
    this.awaited.clear();
    await Promise.all(batches.map((id) => this.collect(id, signal)));
    const settled = this.settled;
    this.settled = [];
    return settled;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The spool as batches; a batch that cannot be sent settles its requests with the error. */
  private async send(signal?: AbortSignal): Promise<void> {
    const spooled = this.spooled;
    if (signal?.aborted) {
      // Stopped by the person: nothing more is paid for.
      for (const { customId } of spooled)
        this.fail(customId, "aborted", "the run stopped before the batch was sent");
      this.spooled = [];
      this.spoolBytes = 0;
      this.queued.clear();
      return;
    }
    let offset = 0;
    for (let first = 0; first < spooled.length;) {
      let last = first;
      let bytes = 0;
      while (
        last < spooled.length &&
        last - first < this.backend.maxItems &&
        (last === first ||
          bytes + (spooled[last] as Spooled).bytes <= (this.run.options.maxBatchBytes ?? BATCH_BYTES))
      ) {
        bytes += (spooled[last] as Spooled).bytes;
        last++;
      }
      const part = spooled.slice(first, last);
      const lines = part.map((item) => {
        const line = Buffer.alloc(item.bytes - 1);
        readSync(this.fd, line, 0, line.length, offset);
        offset += item.bytes;
        return line;
      });
      const customIds = part.map((item) => item.customId);
      first = last;
      let id: string;
      try {
        id = await this.backend.submit(lines);
      } catch (error) {
        const failure = error instanceof ModelError ? error : undefined;
        for (const customId of customIds)
          this.fail(
            customId,
            failure?.kind ?? "connection",
            `submitting a batch failed: ${failure?.message ?? String(error)}`,
            failure?.status,
          );
        continue;
      }
      await this.run.state.record(this.client, id, customIds, new Date(this.run.clock.now()));
      this.run.options.onSubmit?.(id, customIds.length);
      this.awaited.add(id);
    }
    this.spooled = [];
    this.spoolBytes = 0;
    this.queued.clear();
  }

  /** Polls one batch with backoff until it ends, then keeps its results; or keeps why it cannot. */
  private async collect(id: string, signal?: AbortSignal): Promise<void> {
    const { clock, deadline, sleep } = this.run;
    this.run.state.watch(id);
    const submittedAt = clock.now();
    const all = (kind: ModelErrorKind, message: string): void => {
      for (const customId of this.run.state.customIdsOf(id)) this.fail(customId, kind, message);
    };
    let wait = this.run.options.firstPollMs ?? 2_000;
    const maxWait = this.run.options.maxPollMs ?? 60_000;
    let failures = 0;
    for (;;) {
      if (signal?.aborted) {
        all("aborted", `the run stopped while batch ${id} was pending`);
        return;
      }
      if (deadline !== undefined && clock.now() + wait > deadline) {
        all(
          "deadline",
          `batch ${id} had not ended when the time budget ran out; run the same command again to collect it (it is in ${this.run.state.path})`,
        );
        return;
      }
      await sleep(wait, signal);
      wait = Math.min(wait * 1.5, maxWait);
      if (signal?.aborted) continue;
      let status: Awaited<ReturnType<BatchBackend<P, R>["poll"]>>;
      try {
        status = await this.backend.poll(id);
        failures = 0;
      } catch (error) {
        // A poll that failed says nothing of the batch: ask again, five times in a row at most.
        if (++failures < 5) continue;
        all("connection", `polling batch ${id} failed: ${String(error)}`);
        return;
      }
      if (status.state === "running") continue;
      if (status.state === "failed") {
        all("bad_request", `batch ${id} failed: ${status.message}`);
        await this.run.state.forget(id);
        return;
      }
      const expected = new Set(this.run.state.customIdsOf(id));
      const latencyMs = clock.now() - submittedAt;
      try {
        for await (const outcome of this.backend.results(id)) {
          if (!expected.delete(outcome.customId)) continue;
          if (outcome.ok) this.answer(outcome.customId, outcome.response, latencyMs);
          else this.fail(outcome.customId, outcome.error.kind, outcome.error.message, outcome.error.status);
        }
      } catch (error) {
        for (const customId of expected)
          this.fail(customId, "connection", `reading batch ${id}'s results failed: ${String(error)}`);
        return;
      }
      this.run.state.collect(id);
      for (const customId of expected)
        this.fail(customId, "server", `batch ${id} has no result for request ${customId}`);
      return;
    }
  }

  /** Keeps a request's result for its file's next pass. */
  private answer(customId: string, response: R, latencyMs: number): void {
    this.keep(customId, { response, latencyMs });
    this.settled.push({
      key: customId.slice("rg-".length),
      model: this.model,
      usage: this.usageOf(response),
    });
  }

  /** Keeps a request's error for its file's next pass. */
  private fail(customId: string, kind: ModelErrorKind, message: string, status?: number): void {
    this.keep(customId, logged(new ModelError(kind, message, status)));
    this.settled.push({ key: customId.slice("rg-".length), model: this.model, usage: null });
  }

  private keep(customId: string, result: LoggedResult<R>): void {
    this.run.results.put(`${this.client}\u0000${customId.slice("rg-".length)}`, result);
  }
}

export interface BatchOptions {
  /** Most bytes of requests in one batch (default 32 MB). */
  maxBatchBytes?: number;
  /** First poll after this long; then ×1.5 each time, up to `maxPollMs`. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Told of each batch submitted. */
  onSubmit?: (id: string, requests: number) => void;
}

/**
 * A batch run (`--batch`, SPEC §12): the state file, the answer log and the spools in a temporary
 * folder, one batcher per model, and the rounds the engine drives between its passes over the files.
 */
export class BatchRun implements BatchRounds {
  /** Each file's answers, as it got them, to replay in its later passes. */
  readonly answers: AnswerLog;
  /** The batches' results by model and request name, until the file asks for them again. */
  readonly results: DiskLog;
  private readonly log: DiskLog;
  private readonly folder: string;
  private readonly batchers: Array<Batcher<unknown, unknown>> = [];
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    readonly state: BatchState,
    readonly clock: Clock,
    readonly options: BatchOptions,
    /** Absolute time on `clock` when the run's time budget ends: waiting stops there, the state stays. */
    readonly deadline?: number,
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>,
  ) {
    this.folder = mkdtempSync(join(tmpdir(), "rubric-gate-batch-"));
    this.results = new DiskLog(join(this.folder, "results.jsonl"));
    const log = new DiskLog(join(this.folder, "answers.jsonl"));
    this.log = log;
    this.answers = {
      get(key) {
        const value = log.get(key) as { answer: ModelAnswer } | LoggedError | undefined;
        if (value === undefined) return undefined;
        return "answer" in value ? value.answer : unlogged(value);
      },
      put(key, value) {
        log.put(key, value instanceof ModelError ? logged(value) : { answer: value });
      },
    };
    this.sleep = sleep ?? abortableSleep;
  }

  /** The batcher of one model (`client` is its `provider:model`), whose requests go through `backend`. */
  batcher<P, R>(
    client: string,
    model: string,
    backend: BatchBackend<P, R>,
    usageOf: (response: R) => Usage,
  ): Batcher<P, R> {
    const batcher = new Batcher(
      client,
      model,
      backend,
      usageOf,
      this,
      join(this.folder, `spool-${this.batchers.length}.jsonl`),
    );
    this.batchers.push(batcher as unknown as Batcher<unknown, unknown>);
    return batcher;
  }

  async round(signal?: AbortSignal): Promise<SettledCall[]> {
    await this.state.ready();
    const settled = await Promise.all(this.batchers.map((batcher) => batcher.round(signal)));
    return settled.flat();
  }

  /** Removes the logs and the spools (the state file stays: `state.finish()` decides). */
  close(): void {
    for (const batcher of this.batchers) batcher.close();
    this.results.close();
    this.log.close();
    rmSync(this.folder, { recursive: true, force: true });
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * A run's batch settings: its state, its clock and time budget, the first poll's delay from the
 * environment (`RUBRIC_GATE_BATCH_POLL_MS`, default 2000) and a line said per batch submitted.
 */
export function batchRun(options: {
  state: BatchState;
  clock: Clock;
  deadline?: number;
  env: Readonly<Record<string, string | undefined>>;
  say: (line: string) => void;
}): BatchRun {
  const value = options.env.RUBRIC_GATE_BATCH_POLL_MS;
  const n = Number(value);
  const firstPollMs = value !== undefined && value.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : 2_000;
  return new BatchRun(
    options.state,
    options.clock,
    {
      firstPollMs,
      onSubmit: (id, requests) => {
        options.say(`submitted batch ${id} (${requests} request${requests === 1 ? "" : "s"}); polling it`);
      },
    },
    options.deadline,
  );
}
