import { estimateCostUsd, type PriceTable } from "./pricing.js";
import {
  BatchPending,
  ModelError,
  type ModelAnswer,
  type ModelClient,
  type SettledCall,
  type StructuredRequest,
  type Usage,
} from "../ports/models.js";

/** The run's token and cost budgets (`--max-tokens`, `--max-cost`). */
export interface Budget {
  maxTokens?: number;
  maxCostUsd?: number;
}

/**
 * Usage of the whole run so far, shared by every worker, for the budgets and the totals. A budget is
 * checked as each call starts, in the same step that books the call's estimated input as in flight:
 * workers that start calls together each see the others' calls, so they cannot all slip in under a
 * nearly used budget. A call already started is never cut off.
 */
export class Meter {
  calls = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedInputTokens = 0;
  costUsd = 0;
  unpricedModels = new Set<string>();
  /** Estimated input tokens and cost of the calls in flight. */
  pendingTokens = 0;
  pendingCostUsd = 0;
  /** Calls waiting in a batch, by request name: booked as in flight until their round settles them. */
  private readonly booked = new Map<string, { tokens: number; costUsd: number }>();
  /**
   * Batch calls a round settled: an answer was counted then, and an answer or an error is delivered
   * when its file asks for it again, whatever the budgets say by then.
   */
  private readonly settled = new Set<string>();

  constructor(
    private readonly prices?: PriceTable,
    private readonly budget: Budget = {},
  ) {}

  /**
   * Why no further call may start, or null: a budget is used up, counting calls in flight — or would be
   * by the next call's estimated input (`next`), so that a call never starts that must overspend it.
   */
  exceeded(next: { tokens: number; costUsd: number } = { tokens: 0, costUsd: 0 }): string | null {
    const { maxTokens, maxCostUsd } = this.budget;
    const tokens = this.inputTokens + this.outputTokens + this.pendingTokens;
    if (maxTokens !== undefined && (tokens >= maxTokens || tokens + next.tokens > maxTokens)) {
      return tokens >= maxTokens
        ? `the token budget of ${maxTokens} was used up`
        : `the next call (about ${next.tokens} input tokens) would pass the token budget of ${maxTokens}`;
    }
    const cost = this.costUsd + this.pendingCostUsd;
    if (maxCostUsd !== undefined && (cost >= maxCostUsd || cost + next.costUsd > maxCostUsd)) {
      return cost >= maxCostUsd
        ? `the cost budget of $${maxCostUsd} was used up`
        : `the next call (about $${next.costUsd.toFixed(4)} of input) would pass the cost budget of $${maxCostUsd}`;
    }
    return null;
  }

  /** Wraps a client so that every answer is counted, and no call starts once a budget is used up. */
  wrap(client: ModelClient): ModelClient {
    const complete = async (request: StructuredRequest): Promise<ModelAnswer> => {
      const tokens = estimateInputTokens(request);
      const cost =
        estimateCostUsd(
          client.model,
          { inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0 },
          this.prices,
        ) ?? 0;
      const key = request.batchKey;
      // A batch call a round settled: its answer was counted (and paid for), its error is the file's.
      if (key !== undefined && this.settled.has(key)) return client.complete(request);
      const reason = this.exceeded({ tokens, costUsd: cost });
      if (reason) throw new ModelError("aborted", reason);
      this.pendingTokens += tokens;
      this.pendingCostUsd += cost;
      let answer: ModelAnswer;
      try {
        answer = await client.complete(request);
      } catch (error) {
        // Gone into a batch: in flight until the file asks for it again in a later pass.
        if (error instanceof BatchPending && key !== undefined) {
          this.booked.set(key, { tokens, costUsd: cost });
        } else {
          this.pendingTokens -= tokens;
          this.pendingCostUsd -= cost;
        }
        throw error;
      }
      this.pendingTokens -= tokens;
      this.pendingCostUsd -= cost;
      this.add(client.model, answer);
      return answer;
    };
    return { ...client, complete };
  }

  /**
   * A batch round settled these calls: each stops being in flight, and an answered one is counted now
   * — the provider has run it — and delivered later without counting it again.
   */
  settle(calls: readonly SettledCall[]): void {
    for (const call of calls) {
      const booking = this.booked.get(call.key);
      if (booking) {
        this.booked.delete(call.key);
        this.pendingTokens -= booking.tokens;
        this.pendingCostUsd -= booking.costUsd;
      }
      if (call.usage) this.add(call.model, { usage: call.usage });
      this.settled.add(call.key);
    }
  }

  private add(model: string, answer: { usage: Usage }): void {
    this.calls++;
    this.inputTokens += answer.usage.inputTokens;
    this.outputTokens += answer.usage.outputTokens;
    this.cachedInputTokens += answer.usage.cachedInputTokens;
    const cost = estimateCostUsd(model, answer.usage, this.prices);
    if (cost === null) this.unpricedModels.add(model);
    else this.costUsd += cost;
  }
}

/** About four characters a token, over everything the request sends. */
function estimateInputTokens(request: StructuredRequest): number {
  let chars = request.system.length + JSON.stringify(request.schema).length;
  for (const message of request.messages) chars += message.content.length;
  return Math.ceil(chars / 4);
}
