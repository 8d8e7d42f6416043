import { estimateCostUsd } from "../providers/pricing.js";
import type { ModelAnswer, ModelClient, StructuredRequest } from "../providers/types.js";

/** Usage of the whole run so far, shared by every worker, for the budgets and the totals. */
export class Meter {
  calls = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedInputTokens = 0;
  costUsd = 0;
  unpricedModels = new Set<string>();

  /** Wraps a client so that every answer is counted. */
  wrap(client: ModelClient): ModelClient {
    const meter = this;
    return {
      id: client.id,
      provider: client.provider,
      model: client.model,
      async complete(request: StructuredRequest): Promise<ModelAnswer> {
        const answer = await client.complete(request);
        meter.add(client.model, answer);
        return answer;
      },
    };
  }

  private add(model: string, answer: ModelAnswer): void {
    this.calls++;
    this.inputTokens += answer.usage.inputTokens;
    this.outputTokens += answer.usage.outputTokens;
    this.cachedInputTokens += answer.usage.cachedInputTokens;
    const cost = estimateCostUsd(model, answer.usage);
    if (cost === null) this.unpricedModels.add(model);
    else this.costUsd += cost;
  }
}
