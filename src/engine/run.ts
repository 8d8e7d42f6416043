import { createTwoFilesPatch } from "diff";
import { withVerdictCache, type VerdictStore } from "../judge/cache.js";
import { createJudge, type Judge } from "../judge/judge.js";
import { createPanelJudge } from "../judge/panel.js";
import { runOutcomeLoop } from "../loop/loop.js";
import { loopReport } from "../loop/report.js";
import type { PriceTable } from "./pricing.js";
import {
  BatchPending,
  ModelError,
  settingsLabel,
  withSettings,
  type BatchRounds,
  type ModelClient,
  type ModelSettings,
} from "../ports/models.js";
import { REPORT_VERSION, type FileReport, type Report, type SkipKind } from "../report/schema.js";
import type { ConfigProblem, Rubric } from "../rubric/types.js";
import { protectedPathReason } from "../writer/safety.js";
import { createWriter, type Writer } from "../writer/writer.js";
import { decideGate } from "../report/gate.js";
import { Meter } from "./meter.js";
import { mapWithLimit } from "./pool.js";
import { prepareRun, type Pair } from "./prepare.js";
import { WriteRefusedError, type FileSink, type FileSource } from "../ports/files.js";
import type { Clock } from "../ports/clock.js";
import { renderFormatOf } from "../render/render.js";
import { readArtifact } from "./artifact.js";
import type { LinkTargets } from "../checks/checks.js";
import { isDeterministic, withChecks } from "../checks/judge.js";
import { linkTargetsOf } from "../checks/targets.js";
import { loadContext, type LoadedContext } from "./context.js";
import type { ShardSpec } from "./shard.js";
import { replaying } from "./replay.js";

export interface RunOptions {
  /** The files to grade (the workspace). */
  workspace: FileSource;
  /** Where rubrics are read from; the PR's base on pull requests. Defaults to the workspace. */
  rubricSource?: FileSource;
  rubricsGlob: string;
  /** Files to grade; undefined grades every file a rubric matches. */
  paths?: string[];
  /** Grade only this part of the matched files (`--shard I/N`, SPEC §12). */
  shard?: ShardSpec;
  /** Default judge and writer, `provider:model`; a rubric's `judge`/`writer` overrides them. */
  judge: string | null;
  /**
   * A panel of default judges that vote per criterion (`--judge` given more than once); when non-empty
   * it replaces `judge`. A rubric's `judge` still overrides the default for its files.
   */
  judges?: string[];
  /** Calls per judge per graded version, 1–9 (default 1); the majority verdict counts (`--judge-samples`). */
  judgeSamples?: number;
  writer: string | null;
  /** Default reasoning effort and temperature of the judge and the writer; a rubric's own override them. */
  judgeSettings?: ModelSettings;
  writerSettings?: ModelSettings;
  /** Builds a model client; throws a `ModelError("auth")` when its key is missing. */
  models: (spec: string, role: "judge" | "writer") => ModelClient;
  /**
   * Told once of a problem that affects every file of a model (a judge without a key, an endpoint
   * found down): the files still say it in their reasons, but a front end need not repeat it.
   */
  onNotice?: (message: string) => void;
  /** Run the revision loop. */
  revise: boolean;
  /** Said of every file when `revise` is false. */
  reviseOffReason?: string;
  /** Where revisions are written back; none leaves the files as they are. */
  sink?: FileSink;
  /** Caps every rubric's `max_iterations`. */
  maxIterations?: number;
  concurrency: number;
  /**
   * A batch run (`--batch`, SPEC §12): the files are graded in passes. A pass grades each file as far
   * as the answers in hand allow; a file whose next call went into a batch stops there; the round then
   * sends and waits for the batches, and the next pass grades those files again, replaying the answers.
   * At most `concurrency` files are in hand at once, whatever the tree's size.
   */
  batch?: BatchRounds;
  maxFileBytes?: number;
  /** Absolute time on `clock` after which remaining work is `interrupted`. */
  deadline?: number;
  maxTokens?: number;
  maxCostUsd?: number;
  /**
   * Verdict cache: an artifact whose content, rubric and judge are unchanged is not sent again, and its
   * grade is marked `cached` in the report. Only successful grades are stored.
   */
  verdictStore?: VerdictStore;
  /** Told when the verdict store fails to read or write (the run goes on without it). */
  onCacheError?: (error: unknown) => void;
  /** Price overrides by model-name prefix (USD per million tokens). */
  prices?: PriceTable;
  clock: Clock;
  signal?: AbortSignal;
  toolVersion: string;
  /** Called as each file finishes, for progress lines. */
  onFile?: (file: FileReport) => void;
  /**
   * Given each graded file's versions by iteration (the text graded; null for an iteration with none),
   * for exporters that keep them (MLflow artifacts). Unset, versions are not kept past their file.
   */
  onVersions?: (path: string, rubric: string, versions: (string | null)[]) => void;
  /** Called once before grading starts, with the number of (file, rubric) pairs to grade. */
  onStart?: (total: number) => void;
}

export interface RunResult {
  report: Report;
  rubrics: Rubric[];
  /** Best content of every file whose delivered version differs from the original. */
  revisions: Map<string, { original: string; revised: string; rubric: string }>;
}

/** Grades files against the repository's rubrics and returns the report (SPEC §4–5). */
export async function runGrade(options: RunOptions): Promise<RunResult> {
  const started = options.clock.now();
  const startedAt = new Date().toISOString();
  const meter = new Meter(options.prices, {
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    ...(options.maxCostUsd === undefined ? {} : { maxCostUsd: options.maxCostUsd }),
  });
  const { rubrics, problems, pairs, shard } = await prepareRun(options);
  const revisions: RunResult["revisions"] = new Map();
  const report = (files: FileReport[]): RunResult => ({
    report: {
      ...buildReport(options, startedAt, files, problems, meter, options.clock.now() - started, rubrics),
      ...(shard ? { shard } : {}),
    },
    rubrics,
    revisions,
  });
  if (problems.length > 0) return report([]);
  options.onStart?.(pairs.length);

  const clients = new Map<string, ModelClient | ModelError>();
  const noticed = new Set<string>();
  const notice = (key: string, message: string): void => {
    if (noticed.has(key)) return;
    noticed.add(key);
    options.onNotice?.(message);
  };
  const clientFor = (spec: string, role: "judge" | "writer"): ModelClient | ModelError => {
    let client = clients.get(spec);
    if (!client) {
      try {
        client = sayingWhenDown(meter.wrap(options.models(spec, role)), notice);
      } catch (error) {
        client =
          error instanceof ModelError
            ? error
            : new ModelError("bad_request", (error as Error).message, undefined, { cause: error });
        notice(spec, `${role} ${spec} cannot be used: ${client.message}`);
      }
      clients.set(spec, client);
    }
    return client;
  };
  // Every model the run needs is built before grading starts: a missing key is said once, up front.
  for (const pair of pairs) {
    // A rubric of checks only needs no model (SPEC §10): no key is asked for.
    if (!pair.rubric || isDeterministic(pair.rubric)) continue;
    for (const spec of pair.rubric.judge ? [pair.rubric.judge] : defaultJudges(options)) {
      clientFor(spec, "judge");
    }
  }
  const budgetExceeded = (): string | null => {
    // A batch run's file may hold answers paid for in an earlier round: only its new calls are checked,
    // as they start (the meter's budgets, the batcher's time budget).
    if (options.batch) return null;
    if (options.deadline !== undefined && options.clock.now() >= options.deadline)
      return "the run's time budget ran out";
    // The meter checks again as each call starts, counting the calls other workers have in flight.
    return meter.exceeded();
  };

  const targets = linkTargetsOf(options.workspace);
  // Each rubric's reference files, read once per run; what was left out is said once.
  const contexts = new Map<Rubric, Promise<LoadedContext>>();
  const contextOf = (rubric: Rubric): Promise<LoadedContext> => {
    let loaded = contexts.get(rubric);
    if (!loaded) {
      loaded = loadContext(options.workspace, rubric).then((context) => {
        for (const note of context.notes)
          notice(`context ${rubric.path} ${note}`, `${rubric.path}: context: ${note}`);
        return context;
      });
      contexts.set(rubric, loaded);
    }
    return loaded;
  };
  const files = new Array<FileReport>(pairs.length);
  let todo = pairs.map((_, index) => index);
  for (;;) {
    const waiting: number[] = [];
    await mapWithLimit(todo, options.concurrency, async (index) => {
      const pair = pairs[index] as Pair;
      const clients = options.batch ? replayingClients(pair, clientFor, options.batch) : clientFor;
      try {
        const file = await gradePair(pair, options, clients, budgetExceeded, revisions, targets, contextOf);
        files[index] = file;
        options.onFile?.(file);
      } catch (error) {
        if (!(options.batch && error instanceof BatchPending)) throw error;
        waiting.push(index);
      }
    });
    if (waiting.length === 0 || !options.batch) break;
    const settled = await options.batch.round(options.signal);
    meter.settle(settled);
    // Every request a pass left waiting gets its answer or its error in the round: none, and the next
    // pass would wait again for ever.
    if (settled.length === 0)
      throw new Error(`a batch round settled no request while ${waiting.length} file(s) waited for one`);
    todo = waiting.sort((a, b) => a - b);
  }
  return report(files);
}

/** One file's clients in a batch run: each replays the answers the file already had (SPEC §12). */
function replayingClients(
  pair: Pair,
  clientFor: (spec: string, role: "judge" | "writer") => ModelClient | ModelError,
  batch: BatchRounds,
): (spec: string, role: "judge" | "writer") => ModelClient | ModelError {
  const clients = new Map<string, ModelClient>();
  const scope = `${pair.rubric?.path ?? ""}\u0000${pair.path}`;
  return (spec, role) => {
    const shared = clientFor(spec, role);
    if (shared instanceof ModelError) return shared;
    let client = clients.get(spec);
    if (!client) {
      client = replaying(shared, { answers: batch.answers, scope });
      clients.set(spec, client);
    }
    return client;
  };
}

async function gradePair(
  pair: Pair,
  options: RunOptions,
  clientFor: (spec: string, role: "judge" | "writer") => ModelClient | ModelError,
  budgetExceeded: () => string | null,
  revisions: RunResult["revisions"],
  targets: LinkTargets,
  contextOf: (rubric: Rubric) => Promise<LoadedContext>,
): Promise<FileReport> {
  const { path, rubric } = pair;
  if (!rubric) return skippedFile(path, "(none)", "no_rubric", "no rubric matches this file");
  const read = await readArtifact(options.workspace, path, options);
  if (!read.ok) return skippedFile(path, rubric.path, read.kind, read.reason);
  const { bytes, format } = read;

  const deterministic = isDeterministic(rubric);
  const judgeSpecs = deterministic ? [] : rubric.judge ? [rubric.judge] : defaultJudges(options);
  if (judgeSpecs.length === 0 && !deterministic) {
    return skippedFile(
      path,
      rubric.path,
      "no_judge",
      "no judge configured: pass --judge provider:model (or set RUBRIC_GATE_JUDGE), or use --dry-run to see the plan without a model",
    );
  }
  const members: Judge[] = [];
  // A judge shown no pictures, or with other settings, gives other verdicts: another cache entry.
  const identities: string[] = [];
  const judgeSettings = { ...options.judgeSettings, ...rubric.judgeSettings };
  const settingsNote = settingsLabel(judgeSettings);
  for (const spec of judgeSpecs) {
    const judgeClient = clientFor(spec, "judge");
    if (judgeClient instanceof ModelError)
      return emptyFile(path, rubric.path, "grader_error", judgeClient.message);
    const notes = [
      read.images.length > 0 && judgeClient.takesImages === false ? "no images" : "",
      settingsNote,
    ].filter(Boolean);
    identities.push(notes.length > 0 ? `${spec} (${notes.join("; ")})` : spec);
    for (let sample = 0; sample < (options.judgeSamples ?? 1); sample++) {
      members.push(
        createJudge({ client: withSettings(judgeClient, judgeSettings), tools: options.workspace }),
      );
    }
  }
  const panel: Judge | null = members.length > 0 ? createPanelJudge(members) : null;
  const cached: Judge | null =
    // A judge with tools reads other files: its verdicts are not a function of this file alone.
    panel && options.verdictStore && !rubric.tools
      ? withVerdictCache(panel, {
          store: options.verdictStore,
          // Every member and the sample count: a different panel is a different judge.
          judge: `${identities.join(",")}${(options.judgeSamples ?? 1) > 1 ? ` x${options.judgeSamples}` : ""}`,
          ...(options.onCacheError ? { onStoreError: options.onCacheError } : {}),
        })
      : panel;
  // Criteria with a check are decided here, on every version graded (a revision is re-checked).
  const judge = withChecks(cached, targets);

  const { writer, reason } = pickWriter(pair, rubric, options, clientFor);
  if (writer instanceof ModelError) return emptyFile(path, rubric.path, "grader_error", writer.message);

  // Reference files only matter to a model: a rubric of checks only reads none.
  const context = deterministic ? [] : (await contextOf(rubric)).files;
  const outcome = await runOutcomeLoop({
    path,
    ...(context.length > 0 ? { context } : {}),
    ...(format ? { format } : {}),
    ...(read.images.length > 0 ? { images: read.images } : {}),
    rubric,
    original: read.text,
    judge,
    writer,
    reviseOffReason: reason,
    maxIterations: Math.min(rubric.maxIterations, options.maxIterations ?? rubric.maxIterations),
    budgetExceeded,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const { bestContent } = outcome;
  options.onVersions?.(
    path,
    rubric.path,
    outcome.steps.map((step) => (step.kind === "graded" ? step.content : null)),
  );
  const loop = loopReport(rubric, outcome, options.prices);
  const diff = loop.changed
    ? createTwoFilesPatch(`a/${path}`, `b/${path}`, read.text, bestContent, "", "")
    : null;
  let written = false;
  if (loop.changed && loop.result !== "grader_error") {
    revisions.set(path, { original: read.text, revised: bestContent, rubric: rubric.path });
    if (options.sink) {
      try {
        await options.sink.write(path, new TextEncoder().encode(bestContent), bytes);
        written = true;
      } catch (error) {
        // The file changed while it was graded: the person's version wins (`written` stays false).
        if (!(error instanceof WriteRefusedError)) throw error;
      }
    }
  }
  const generatorChanges =
    format && options.revise && rubric.revise && loop.result === "needs_revision"
      ? generatorChangesOf(loop)
      : null;
  return {
    path,
    rubric: rubric.path,
    ...loop,
    diff,
    written,
    ...(generatorChanges ? { generator_changes: generatorChanges } : {}),
  };
}

/** What a generated file's generator must change: the failing verdicts of its grade, blocking first. */
function generatorChangesOf(
  loop: Pick<FileReport, "iterations" | "best_iteration">,
): NonNullable<FileReport["generator_changes"]> {
  const graded = loop.iterations[loop.best_iteration ?? 0];
  return Object.entries(graded?.verdicts ?? {})
    .filter(([, v]) => v.verdict === "fail")
    .sort(([, a], [, b]) => Number(a.advisory) - Number(b.advisory))
    .map(([criterion, v]) => ({
      criterion,
      advisory: v.advisory,
      location: v.location,
      change: v.explanation,
    }));
}

function pickWriter(
  pair: Pair,
  rubric: Rubric,
  options: RunOptions,
  clientFor: (spec: string, role: "judge" | "writer") => ModelClient | ModelError,
): { writer: Writer | ModelError | null; reason: string } {
  if (!options.revise)
    return { writer: null, reason: options.reviseOffReason ?? "revision is off (pass --revise)" };
  if (!rubric.revise) return { writer: null, reason: `${rubric.path} sets revise: false` };
  if (renderFormatOf(pair.path)) {
    return {
      writer: null,
      reason:
        "a generated artifact is never rewritten: the failing criteria say what its generator must change",
    };
  }
  const protectedReason = protectedPathReason(pair.path);
  if (protectedReason) return { writer: null, reason: protectedReason };
  if (pair.rubricsForPath > 1) {
    return {
      writer: null,
      reason: `${pair.path} is graded by ${pair.rubricsForPath} rubrics; revision needs exactly one, so that one rubric's fix cannot undo another's`,
    };
  }
  const spec = rubric.writer ?? options.writer ?? rubric.judge ?? defaultJudges(options)[0];
  if (!spec) return { writer: null, reason: "no writer configured (set --writer)" };
  const client = clientFor(spec, "writer");
  if (client instanceof ModelError) return { writer: client, reason: client.message };
  const settings = { ...options.writerSettings, ...rubric.writerSettings };
  return { writer: createWriter({ client: withSettings(client, settings) }), reason: "" };
}

/** The default judges: the panel when one is given, else the single judge. */
function defaultJudges(options: Pick<RunOptions, "judge" | "judges">): string[] {
  if (options.judges && options.judges.length > 0) return options.judges;
  return options.judge ? [options.judge] : [];
}

function emptyFile(path: string, rubric: string, result: FileReport["result"], reason: string): FileReport {
  return {
    path,
    rubric,
    result,
    reason,
    stop_reason: result === "skipped" ? "skipped" : "error",
    iterations: [],
    best_iteration: null,
    best_score: null,
    changed: false,
    diff: null,
    written: false,
    usage: { input_tokens: 0, output_tokens: 0, cached_input_tokens: 0 },
    cost_usd: 0,
  };
}

function skippedFile(path: string, rubric: string, kind: SkipKind, reason: string): FileReport {
  return { ...emptyFile(path, rubric, "skipped", reason), skip_kind: kind };
}

/** A client that tells `notice` once when its endpoint is found down (the error says it per file). */
function sayingWhenDown(client: ModelClient, notice: (key: string, message: string) => void): ModelClient {
  return {
    ...client,
    async complete(request) {
      try {
        return await client.complete(request);
      } catch (error) {
        if (error instanceof ModelError && error.endpointDown) {
          notice(
            `down ${client.id}`,
            `${client.id} is unusable; no further call is sent to it: ${error.message}`,
          );
        }
        throw error;
      }
    },
  };
}

function buildReport(
  options: RunOptions,
  startedAt: string,
  files: FileReport[],
  problems: ConfigProblem[],
  meter: Meter,
  wallMs: number,
  rubrics: readonly Rubric[],
): Report {
  const calls = files.flatMap((f) => f.iterations.flatMap((i) => i.calls));
  const used = new Set(files.map((f) => f.rubric));
  return {
    version: REPORT_VERSION,
    tool: { name: "rubric-gate", version: options.toolVersion },
    started_at: startedAt,
    judge: defaultJudges(options)[0] ?? null,
    ...(options.judges && options.judges.length > 1 ? { judges: options.judges } : {}),
    ...((options.judgeSamples ?? 1) > 1 ? { judge_samples: options.judgeSamples } : {}),
    writer: options.writer ?? defaultJudges(options)[0] ?? null,
    gate: decideGate(files, problems.length),
    config_errors: problems.map((p) => ({ file: p.file, line: p.line, message: p.message, hint: p.hint })),
    totals: {
      files: files.length,
      calls: meter.calls,
      judge_calls: calls.filter((c) => c.role === "judge").length,
      writer_calls: calls.filter((c) => c.role === "writer").length,
      input_tokens: meter.inputTokens,
      output_tokens: meter.outputTokens,
      cached_input_tokens: meter.cachedInputTokens,
      cached_grades: files.reduce((n, f) => n + f.iterations.filter((i) => i.cached === true).length, 0),
      cost_usd: meter.unpricedModels.size > 0 ? null : meter.costUsd,
      wall_ms: wallMs,
    },
    files,
    rubrics: Object.fromEntries(
      rubrics
        .filter((r) => used.has(r.path))
        .map((r) => [
          r.path,
          {
            sha256: r.hash,
            criteria: r.criteria.map((c) => ({ id: c.id, text: c.text, advisory: c.advisory })),
          },
        ]),
    ),
  };
}
