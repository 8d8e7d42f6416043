import type { Clock } from "../ports/clock.js";
import type { BatchRun } from "./batch.js";
import { createModelClient, keyProblem } from "./factory.js";
import { EndpointHealth } from "./health.js";
import type { JsonMode } from "./openai.js";
import { RateLimits } from "./rate-limit.js";
import type { ImagesMode, ModelClient } from "../ports/models.js";

export interface ModelsOptions {
  /** Where keys and base URLs come from (`process.env`, or the Action's inputs over it). */
  env: Readonly<Record<string, string | undefined>>;
  /** Per HTTP attempt. */
  timeoutMs?: number;
  jsonMode?: JsonMode;
  /** Whether pictures go to the models as image inputs (see `ImagesMode`). */
  images?: ImagesMode;
  clock: Clock;
  /** Absolute time on `clock` when the run's time budget ends. */
  deadline?: number;
  /** `--batch`: calls go through the providers' batch APIs, sharing this state (SPEC §12). */
  batch?: BatchRun;
}

/**
 * The one way a run builds model clients, for the CLI's commands and the Action alike. Every client it
 * builds shares the run's rate limits per endpoint (one 429 slows every worker that calls it) and what
 * the run learnt of its endpoints (one found down is not asked again).
 */
export interface Models {
  /** A client for `provider:model`; throws a `ModelError("auth")` when its key is missing. */
  client(spec: string, role?: "judge" | "writer"): ModelClient;
  /** Why `spec` could not be used here (a missing key), or null; no network call. */
  keyProblem(spec: string, role?: "judge" | "writer"): string | null;
  readonly rateLimits: RateLimits;
  readonly health: EndpointHealth;
}

/** Builds the run's `Models` (see there). */
export function createModels(options: ModelsOptions): Models {
  const rateLimits = new RateLimits(options.clock);
  const health = new EndpointHealth();
  return {
    rateLimits,
    health,
    client: (spec, role) =>
      createModelClient(spec, {
        env: options.env,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.jsonMode === undefined ? {} : { jsonMode: options.jsonMode }),
        ...(options.images === undefined ? {} : { images: options.images }),
        retry: {
          clock: options.clock,
          ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        },
        rateLimits,
        health,
        ...(role ? { role } : {}),
        ...(options.batch ? { batch: options.batch } : {}),
      }),
    keyProblem: (spec, role) => keyProblem(spec, options.env, role),
  };
}
