// The batch rounds on their own, through the `BatchBackend` interface (the SDK backends are exercised
// end to end in test/e2e/batch.test.ts): how a spool is cut into batches, what a round keeps, and what a
// time budget or an interrupt leaves behind.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchPending, ModelError } from "../../src/ports/models.js";
import { BatchRun, BatchState, type BatchBackend, type BatchOutcome } from "../../src/providers/batch.js";

interface Params {
  text: string;
}

/** A batch API in memory: batches end after `pollsUntilDone` polls and answer each line's text upper-cased. */
function memoryBackend(maxItems: number, pollsUntilDone = 1) {
  const submitted: Array<{ id: string; lines: string[] }> = [];
  const polls = new Map<string, number>();
  const backend: BatchBackend<Params, string> = {
    maxItems,
    line: (customId, params) => JSON.stringify({ customId, params }),
    submit(lines) {
      const id = `batch_${submitted.length + 1}`;
      submitted.push({ id, lines: lines.map((line) => line.toString("utf8")) });
      return Promise.resolve(id);
    },
    poll(id) {
      const n = (polls.get(id) ?? 0) + 1;
      polls.set(id, n);
      return Promise.resolve(n >= pollsUntilDone ? { state: "ended" } : { state: "running" });
    },
    async *results(id) {
      await Promise.resolve();
      for (const line of submitted.find((b) => b.id === id)?.lines ?? []) {
        const { customId, params } = JSON.parse(line) as { customId: string; params: Params };
        const outcome: BatchOutcome<string> = params.text.startsWith("bad")
          ? { customId, ok: false, error: new ModelError("bad_request", "this request is malformed", 400) }
          : { customId, ok: true, response: params.text.toUpperCase() };
        yield outcome;
      }
    },
  };
  return { backend, submitted };
}

let dir: string;
let now: number;
const sleep = (ms: number): Promise<void> => {
  now += ms;
  return Promise.resolve();
};
const clock = { now: () => now, sleep };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rubric-gate-batch-unit-"));
  now = 1_000_000;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ONE = { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 };

/** The test model's batcher in `run`, its usage one token each way per answer. */
const batcherOf = (run: BatchRun, backend: BatchBackend<Params, string>) =>
  run.batcher("test:model", "model", backend, () => ONE);

function pending(run: () => unknown): void {
  expect(run).toThrow(BatchPending);
}

describe("a batch round", () => {
  it("cuts the spool by requests and by bytes, keeps every result, and answers the next pass", async () => {
    const state = new BatchState(join(dir, "state.json"));
    const run = new BatchRun(state, clock, { firstPollMs: 10, maxBatchBytes: 200 }, undefined, sleep);
    try {
      const { backend, submitted } = memoryBackend(3);
      const batcher = run.batcher("test:model", "model", backend, (r) => ({
        inputTokens: r.length,
        outputTokens: 1,
        cachedInputTokens: 0,
      }));
      const texts = ["a", "b", "c", "d", "e", "f", "g", "x".repeat(150), "bad one"];
      texts.forEach((text, i) => {
        pending(() => batcher.request({ text }, `k${i}`));
      });
      // The same request asked twice in a pass is one line.
      pending(() => batcher.request({ text: "a" }, "k0"));
      const settled = await run.round();
      // 3 a batch at most; the 150-byte request does not fit beside others under 200 bytes.
      expect(submitted.map((b) => b.lines.length)).toEqual([3, 3, 1, 1, 1]);
      expect(settled).toHaveLength(9);
      expect(settled.find((s) => s.key === "k1")).toEqual({
        key: "k1",
        model: "model",
        usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
      });
      expect(settled.find((s) => s.key === "k8")?.usage).toBeNull();
      expect(batcher.request({ text: "b" }, "k1").response).toBe("B");
      expect(() => batcher.request({ text: "bad one" }, "k8")).toThrow(/^this request is malformed$/);
      const saved = JSON.parse(await readFile(state.path, "utf8")) as {
        batches: Array<{ custom_ids: string[] }>;
      };
      expect(saved.batches.flatMap((b) => b.custom_ids)).toEqual(texts.map((_, i) => `rg-k${i}`));
      // A round with nothing queued settles nothing.
      expect(await run.round()).toEqual([]);
      expect((await state.finish()).kept).toBe(0);
    } finally {
      run.close();
    }
  });

  it("a batch from an earlier run is polled, not sent again", async () => {
    const state = new BatchState(join(dir, "state.json"));
    const first = new BatchRun(state, clock, { firstPollMs: 10 }, now + 50, sleep);
    const { backend, submitted } = memoryBackend(10, 1_000);
    try {
      const batcher = batcherOf(first, backend);
      pending(() => batcher.request({ text: "a" }, "k0"));
      const settled = await first.round();
      // The time budget ended first: the file gets the deadline, the batch stays in the state.
      expect(settled).toEqual([{ key: "k0", model: "model", usage: null }]);
      expect(() => batcher.request({ text: "a" }, "k0")).toThrow(
        /time budget ran out.*run the same command again/,
      );
      expect((await state.finish()).kept).toBe(1);
    } finally {
      first.close();
    }
    const again = new BatchState(join(dir, "state.json"));
    await again.ready();
    const second = new BatchRun(again, clock, { firstPollMs: 10 }, undefined, sleep);
    try {
      const batcher = batcherOf(second, backend);
      pending(() => batcher.request({ text: "a" }, "k0"));
      await second.round();
      expect(submitted).toHaveLength(1);
      expect(batcher.request({ text: "a" }, "k0").response).toBe("A");
      expect((await again.finish()).kept).toBe(0);
    } finally {
      second.close();
    }
  });

  it("an interrupt sends nothing more, and no request is queued after the time budget", async () => {
    const state = new BatchState(join(dir, "state.json"));
    const run = new BatchRun(state, clock, { firstPollMs: 10 }, now + 1_000, sleep);
    try {
      const { backend, submitted } = memoryBackend(10);
      const batcher = batcherOf(run, backend);
      pending(() => batcher.request({ text: "a" }, "k0"));
      const controller = new AbortController();
      controller.abort();
      const settled = await run.round(controller.signal);
      expect(submitted).toHaveLength(0);
      expect(settled).toEqual([{ key: "k0", model: "model", usage: null }]);
      expect(() => batcher.request({ text: "a" }, "k0")).toThrow(/the run stopped before the batch was sent/);
      now += 2_000;
      expect(() => batcher.request({ text: "b" }, "k1")).toThrow(ModelError);
      expect(() => batcher.request({ text: "b" }, "k1")).toThrow(
        /time budget ran out before the batch was sent/,
      );
    } finally {
      run.close();
    }
  });
});
