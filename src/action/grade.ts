import { relative, resolve } from "node:path";
import { batchPrices, parsePriceOverrides, type PriceTable } from "../engine/pricing.js";
import type { FileSource } from "../ports/files.js";
import { InputError } from "./inputs.js";
import { BatchState, batchRun, FILES_IN_HAND } from "../providers/batch.js";
import { runGrade, type RunResult } from "../engine/run.js";
import { createFileVerdictStore } from "../fs/verdict-store.js";
import { createModels } from "../providers/models.js";
import { modelSettings } from "../ports/models.js";
import { systemClock } from "../providers/retry.js";
import { ReportSchema, type FileReport } from "../report/schema.js";
import { VERSION } from "../version.js";
import type { ActionContext } from "./context.js";
import { log } from "./log.js";
import { isForkGrading, type Target } from "./target.js";

/** A finished grading run, with what the summary must say of batches still running. */
export type Graded = RunResult & { notices: string[] };

/** Grades the target (and revises it when the plan says so); the report is checked against its schema. */
export async function grade(ctx: ActionContext, target: Target): Promise<Graded> {
  const { inputs, env, workspaceRoot } = ctx;
  const { plan } = target;
  const clock = systemClock;
  const deadline =
    inputs["budget-seconds"] === undefined ? undefined : clock.now() + inputs["budget-seconds"] * 1000;
  // One rate-limit signal slows every worker, a dead endpoint is asked once; one verdict store, kept
  // between runs by actions/cache.
  // `batch: true` (SPEC §12): the calls go through the providers' batch APIs; the state lives in the
  // cache directory, so a scheduled run that stops waiting is collected by the next one.
  const batchState = inputs.batch
    ? new BatchState(resolve(workspaceRoot, inputs["cache-dir"] || ".rubric-gate", "batch-state.json"))
    : undefined;
  if (batchState) {
    try {
      await batchState.ready();
    } catch (error) {
      throw new Error(`input "batch": ${(error as Error).message}`, { cause: error });
    }
  }
  const batch = batchState
    ? batchRun({
        state: batchState,
        clock,
        ...(deadline === undefined ? {} : { deadline }),
        env: env,
        say: (line) => {
          log.info(`rubric-gate: ${line}`);
        },
      })
    : undefined;
  const prices = inputs.prices ? await pricesInput(inputs.prices, target.rubricSource) : undefined;
  const models = createModels({
    env,
    timeoutMs: inputs["timeout-seconds"] * 1000,
    jsonMode: inputs["json-mode"],
    images: inputs.images,
    clock,
    ...(deadline === undefined ? {} : { deadline }),
    ...(batch ? { batch } : {}),
  });
  // A fork's pull request spends at most `fork-max-cost` (or `max-cost`, when lower).
  const maxCost = isForkGrading(ctx)
    ? Math.min(inputs["fork-max-cost"], inputs["max-cost"] ?? Infinity)
    : inputs["max-cost"];
  const cacheDir = inputs["cache-dir"];
  const verdictStore = cacheDir ? await createFileVerdictStore(resolve(workspaceRoot, cacheDir)) : undefined;
  const progress = progressLog();
  const outcome = await runGrade({
    ...(verdictStore
      ? {
          verdictStore,
          onCacheError: (error: unknown) => {
            log.warning(
              `rubric-gate: the verdict cache failed: ${error instanceof Error ? error.message : String(error)}`,
            );
          },
        }
      : {}),
    workspace: target.workspace,
    rubricSource: target.rubricSource,
    rubricsGlob: inputs.rubrics,
    ...(target.paths ? { paths: target.paths } : {}),
    ...(inputs.shard ? { shard: inputs.shard } : {}),
    judge: inputs.judge?.[0] ?? null,
    judges: inputs.judge ?? [],
    judgeSamples: inputs["judge-samples"],
    writer: inputs.writer ?? null,
    judgeSettings: modelSettings(inputs["judge-effort"], inputs["judge-temperature"]),
    writerSettings: modelSettings(inputs["writer-effort"], inputs["writer-temperature"]),
    models: (spec, role) => models.client(spec, role),
    revise: plan.revise,
    ...(plan.revise ? {} : { reviseOffReason: plan.reason }),
    ...(inputs["max-iterations"] === undefined ? {} : { maxIterations: inputs["max-iterations"] }),
    ...(batch ? { batch } : {}),
    // A batch pass makes no model call but a tool loop's: its files are read and built side by side.
    concurrency: batch ? Math.max(inputs.concurrency, FILES_IN_HAND) : inputs.concurrency,
    ...(batchState ? { prices: batchPrices(prices) } : prices ? { prices } : {}),
    maxFileBytes: inputs["max-file-bytes"],
    ...(deadline === undefined ? {} : { deadline }),
    ...(inputs["max-tokens"] === undefined ? {} : { maxTokens: inputs["max-tokens"] }),
    ...(maxCost === undefined ? {} : { maxCostUsd: maxCost }),
    clock,
    toolVersion: VERSION,
    onNotice: (message) => {
      log.warning(`rubric-gate: ${message}`);
    },
    onFile: progress,
  }).finally(() => batch?.close());
  ReportSchema.parse(outcome.report);
  const notices: string[] = [];
  if (batchState) {
    const { kept } = await batchState.finish();
    if (kept > 0) {
      const where = relative(workspaceRoot, batchState.path);
      notices.push(
        `${kept} batch${kept === 1 ? " is" : "es are"} still running at the provider: the files waiting for ${kept === 1 ? "it are" : "them are"} interrupted in this run. Their ids are in ${where}; keep that directory with actions/cache, and the next run collects the results without submitting anything again.`,
      );
      log.info(`rubric-gate: ${notices.at(-1) ?? ""}`);
    }
  }
  return { ...outcome, notices };
}

/** One log line per graded file; a reason already printed is not printed again. */
function progressLog(): (file: FileReport) => void {
  let done = 0;
  const seenReasons = new Set<string>();
  return (file) => {
    done++;
    let reason = "";
    if (file.reason) {
      reason = seenReasons.has(file.reason) ? " (same reason as above)" : ` — ${log.name(file.reason)}`;
      seenReasons.add(file.reason);
    }
    log.info(`[${done}] ${log.name(file.path)} (${log.name(file.rubric)}): ${file.result}${reason}`);
  };
}

/**
 * The `prices` input: a JSON object of price overrides, or the path of a JSON file read where the
 * rubrics are read (the base branch on a pull request), so that a pull request cannot lower the prices
 * its own budget is counted in.
 */
async function pricesInput(value: string, source: FileSource): Promise<PriceTable> {
  if (value.trimStart().startsWith("{")) return parsePriceOverrides(value, 'input "prices"');
  const bytes = await source.read(value.trim(), { maxBytes: 1024 * 1024 });
  if (bytes === null)
    throw new InputError(
      `input "prices" = ${JSON.stringify(value)}: no such file where the rubrics are read (the base branch on a pull request); give a JSON object or a committed file`,
    );
  return parsePriceOverrides(new TextDecoder().decode(bytes), `input "prices" (${value.trim()})`);
}
