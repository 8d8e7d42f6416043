import { estimateCostUsd, type PriceTable } from "../providers/pricing.js";
import type { ModelAnswer, ModelClient, StructuredRequest } from "../providers/types.js";

/** Usage of the whole run so far, shared by every worker, for the budgets and the totals. */
export class Meter {
  calls = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedInputTokens = 0;
  costUsd = 0;
  unpricedModels = new Set<string>();

  constructor(private readonly prices?: PriceTable) {}

  /** Wraps a client so that every answer is counted. */
  wrap(client: ModelClient): ModelClient {
    const complete = async (request: StructuredRequest): Promise<ModelAnswer> => {
      const answer = await client.complete(request);
      this.add(client.model, answer);
      return answer;
    };
    return { id: client.id, provider: client.provider, model: client.model, complete };
  }

  private add(model: string, answer: ModelAnswer): void {
    this.calls++;
    this.inputTokens += answer.usage.inputTokens;
    this.outputTokens += answer.usage.outputTokens;
    this.cachedInputTokens += answer.usage.cachedInputTokens;
    const cost = estimateCostUsd(model, answer.usage, this.prices);
    if (cost === null) this.unpricedModels.add(model);
    else this.costUsd += cost;
  }
}
