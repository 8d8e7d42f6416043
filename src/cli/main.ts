import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { planRun, type Plan } from "../engine/plan.js";
import { WriteRefusedError, type FileSink } from "../ports/files.js";
import { modelSettings } from "../ports/models.js";
import { runGrade } from "../engine/run.js";
import { createFileVerdictStore } from "../fs/verdict-store.js";
import { repositoryRoot } from "../fs/repo-root.js";
import { createWorkspaceSink, createWorkspaceSource } from "../fs/workspace.js";
import type { VerdictStore } from "../judge/cache.js";
import { keyProblem } from "../providers/factory.js";
import { createModels } from "../providers/models.js";
import { batchPrices, parsePriceOverrides, type PriceTable } from "../engine/pricing.js";
import { BatchState, batchRun, FILES_IN_HAND } from "../providers/batch.js";
import { systemClock } from "../providers/retry.js";
import { ReportSchema } from "../report/schema.js";
import { checkRubricGlobs, loadRubrics } from "../rubric/load.js";
import { inlineText } from "../util/redact.js";
import { appendJournal, checkJournal } from "../fs/journal.js";
import { journalLines } from "../report/journal.js";
import { exportToMlflow, MlflowConfigError, mlflowTarget, type MlflowTarget } from "../mlflow/export.js";
import { VERSION } from "../version.js";
import { HELP, parseCommand, UsageError, type GradeFlags } from "./args.js";
import { SUBCOMMANDS } from "./commands/index.js";
import type { CliIo } from "./io.js";
import { progressLine, renderPlan, renderProblems, renderReport, renderRubrics } from "./render.js";

export type { CliIo } from "./io.js";

/** Runs one CLI command and returns its exit code (SPEC §6). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const subcommand = argv[0] === undefined ? undefined : SUBCOMMANDS[argv[0]];
  if (subcommand) return subcommand.run(argv.slice(1), io);
  let command;
  try {
    command = parseCommand(argv, io.env, ["grade", "check-rubrics", ...Object.keys(SUBCOMMANDS)]);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`rubric-gate: ${error.message}`);
      return 2;
    }
    throw error;
  }
  switch (command.command) {
    case "help":
      io.stdout(helpText());
      return 0;
    case "version":
      io.stdout(VERSION);
      return 0;
    case "check-rubrics":
      return checkRubrics(command.rubrics, command.json, repositoryRoot(io.cwd), io);
    case "grade": {
      let prices: PriceTable | undefined;
      try {
        prices = await loadPrices(command.flags.prices, io.cwd);
      } catch (error) {
        io.stderr(`rubric-gate: ${(error as Error).message}`);
        return 2;
      }
      // Run from a subfolder, the command works on the whole repository; PATHs stay relative to here.
      const root = repositoryRoot(io.cwd);
      const paths = command.paths.map((path) => repositoryPath(path, io.cwd, root));
      return command.flags["dry-run"]
        ? dryRun(paths, command.flags, prices, root, io)
        : grade(paths, command.flags, prices, root, io);
    }
  }
}

async function loadPrices(path: string | undefined, cwd: string): Promise<PriceTable | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), "utf8");
  } catch (error) {
    throw new Error(`--prices ${path}: cannot read it (${(error as Error).message})`, { cause: error });
  }
  return parsePriceOverrides(text, `--prices ${path}`);
}

function helpText(): string {
  // The commands, each with its arguments, from the registry, in one aligned column.
  const rows: Array<[string, string]> = [
    ["grade [PATH...] [options]", "grade PATHs (files, folders, globs), or every file the rubrics match"],
    ["check-rubrics [options]", "validate the rubrics and list their criteria"],
    ...Object.entries(SUBCOMMANDS).map(([name, c]): [string, string] => [`${name} ${c.args}`, c.summary]),
    ["--help | --version", ""],
  ];
  const width = Math.max(...rows.map(([usage]) => usage.length)) + 2;
  const usage = rows.map(([u, summary]) =>
    `  rubric-gate ${summary ? u.padEnd(width) : u}${summary}`.trimEnd(),
  );
  return HELP.replace(/^Usage:\n(?: {2}rubric-gate .*\n)+/m, `Usage:\n${usage.join("\n")}\n`);
}

/**
 * Says "still working" on stderr when `quietMs` pass with no file finished (default 30 s; the
 * `RUBRIC_GATE_HEARTBEAT_MS` knob is for tests), with how long since the last one and where the run is.
 */
function heartbeatLine(
  io: CliIo,
  clock: { now(): number },
  progress: () => string,
): { start(): void; beat(): void; stop(): void } {
  const knob = Number(io.env.RUBRIC_GATE_HEARTBEAT_MS);
  const quietMs = Number.isFinite(knob) && knob > 0 ? knob : 30_000;
  let last = clock.now();
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      last = clock.now();
      timer = setInterval(() => {
        const quiet = clock.now() - last;
        if (quiet >= quietMs)
          io.stderr(
            `rubric-gate: still working — ${progress()}; the last finished ${Math.round(quiet / 1000)} s ago (model calls in flight)`,
          );
      }, quietMs);
      timer.unref();
    },
    beat() {
      last = clock.now();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

/** A PATH given from `cwd` as the repository names it; one outside the repository stays as given. */
function repositoryPath(path: string, cwd: string, root: string): string {
  const inside = relative(root, resolve(cwd, path)).split(sep).join("/");
  if (inside.startsWith("..") || isAbsolute(inside)) return path;
  return path.endsWith("/") && inside !== "" ? `${inside}/` : inside || ".";
}

async function checkRubrics(pattern: string, json: boolean, root: string, io: CliIo): Promise<number> {
  const workspace = createWorkspaceSource(root);
  const { rubrics, problems } = await loadRubrics(workspace, pattern);
  if (problems.length === 0) problems.push(...checkRubricGlobs(rubrics, await workspace.list()));
  if (json) io.stdout(JSON.stringify({ rubrics, problems }, null, 2));
  else if (problems.length === 0) io.stdout(renderRubrics(rubrics));
  if (problems.length) {
    io.stderr(renderProblems(problems));
    return 2;
  }
  return 0;
}

async function dryRun(
  paths: string[],
  flags: GradeFlags,
  prices: PriceTable | undefined,
  root: string,
  io: CliIo,
): Promise<number> {
  const plan = await planRun({
    workspace: createWorkspaceSource(root),
    rubricsGlob: flags.rubrics,
    ...(paths.length ? { paths } : {}),
    ...(flags.shard ? { shard: flags.shard } : {}),
    judge: flags.judge ?? null,
    judges: flags.judges,
    judgeSamples: flags["judge-samples"],
    maxFileBytes: flags["max-file-bytes"],
    ...(flags.batch ? { prices: batchPrices(prices) } : prices ? { prices } : {}),
    keyProblem: (spec) => keyProblem(spec, io.env, "judge"),
  });
  if (plan.problems.length) {
    io.stderr(renderProblems(plan.problems));
    return 2;
  }
  plan.warnings.push(...budgetWarnings(plan, flags));
  io.stdout(flags.json ? JSON.stringify(plan, null, 2) : renderPlan(plan));
  return 0;
}

/** What the dry run's estimate says of the budgets: a run they would cut short is said before it starts. */
function budgetWarnings(plan: Plan, flags: GradeFlags): string[] {
  const warnings: string[] = [];
  const cost = flags["max-cost"];
  if (cost !== undefined && plan.costUsd !== null && plan.costUsd > cost)
    warnings.push(
      `the estimate (~$${plan.costUsd.toFixed(4)} for the first grade alone) is over --max-cost ${cost}: a real run would stop early and leave files interrupted; raise --max-cost or grade fewer files (PATHs, --shard)`,
    );
  const tokens = flags["max-tokens"];
  const estimate = plan.inputTokens + plan.outputTokens;
  if (tokens !== undefined && estimate > tokens)
    warnings.push(
      `the estimate (~${estimate} tokens for the first grade alone) is over --max-tokens ${tokens}: a real run would stop early and leave files interrupted; raise --max-tokens or grade fewer files`,
    );
  return warnings;
}

async function grade(
  paths: string[],
  flags: GradeFlags,
  prices: PriceTable | undefined,
  root: string,
  io: CliIo,
): Promise<number> {
  const clock = systemClock;
  const deadline =
    flags["budget-seconds"] === undefined ? undefined : clock.now() + flags["budget-seconds"] * 1000;
  let verdictStore: VerdictStore | undefined;
  if (flags.cache !== undefined) {
    try {
      verdictStore = await createFileVerdictStore(resolve(io.cwd, flags.cache));
    } catch (error) {
      io.stderr(
        `rubric-gate: --cache ${flags.cache}: cannot create the directory (${(error as Error).message})`,
      );
      return 2;
    }
  }
  const journal = flags.journal === undefined ? undefined : resolve(io.cwd, flags.journal);
  if (journal !== undefined) {
    try {
      await checkJournal(journal);
    } catch (error) {
      io.stderr(`rubric-gate: --journal ${flags.journal}: cannot append to it (${(error as Error).message})`);
      return 2;
    }
  }
  let mlflow: MlflowTarget | undefined;
  if (flags.mlflow !== undefined) {
    try {
      mlflow = mlflowTarget(flags.mlflow, io.env);
    } catch (error) {
      if (!(error instanceof MlflowConfigError)) throw error;
      const where = io.env.MLFLOW_TRACKING_URI === flags.mlflow ? "$MLFLOW_TRACKING_URI" : "--mlflow";
      io.stderr(`rubric-gate: ${where}: ${error.message}`);
      return 2;
    }
  }
  let batchState: BatchState | undefined;
  if (flags.batch) {
    const statePath = flags["batch-state"] ?? ".rubric-gate/batch-state.json";
    // The default state lives at the repository's root, wherever in it the command is run.
    batchState = new BatchState(resolve(flags["batch-state"] ? io.cwd : root, statePath));
    try {
      await batchState.ready();
    } catch (error) {
      io.stderr(`rubric-gate: --batch-state ${statePath}: ${(error as Error).message}`);
      return 2;
    }
  }
  // Each graded file's versions, kept only for the MLflow export's artifacts.
  const versions = new Map<string, (string | null)[]>();
  let cacheWarned = false;
  // One set of rate limits and endpoint health for the run: a 429 slows every worker calling that
  // model, and an endpoint found down is not asked again.
  const batch = batchState
    ? batchRun({
        state: batchState,
        clock,
        ...(deadline === undefined ? {} : { deadline }),
        env: io.env,
        say: (line) => {
          io.stderr(`rubric-gate: ${line}`);
        },
      })
    : undefined;
  const models = createModels({
    env: io.env,
    timeoutMs: flags.timeout * 1000,
    jsonMode: flags["json-mode"],
    images: flags.images,
    clock,
    ...(deadline === undefined ? {} : { deadline }),
    ...(batch ? { batch } : {}),
  });
  let done = 0;
  let total = 0;
  const seenReasons = new Set<string>();
  // A line while nothing finishes for a while (a slow model, a long batch), so a run never looks hung.
  const heartbeat = heartbeatLine(io, clock, () => `${done} of ${total} file(s) done`);
  const workspace = createWorkspaceSource(root);
  const { report } = await runGrade({
    workspace,
    rubricsGlob: flags.rubrics,
    ...(paths.length ? { paths } : {}),
    ...(flags.shard ? { shard: flags.shard } : {}),
    judge: flags.judge ?? null,
    judges: flags.judges,
    judgeSamples: flags["judge-samples"],
    writer: flags.writer ?? null,
    judgeSettings: modelSettings(flags["judge-effort"], flags["judge-temperature"]),
    writerSettings: modelSettings(flags["writer-effort"], flags["writer-temperature"]),
    models: (spec, role) => models.client(spec, role),
    onNotice: (message) => {
      io.stderr(`rubric-gate: ${message}`);
    },
    revise: flags.revise,
    reviseOffReason: "revision is off (pass --revise to run the outcome loop)",
    ...(flags.revise ? { sink: sayingRefusals(createWorkspaceSink(root), io) } : {}),
    ...(flags["max-iterations"] === undefined ? {} : { maxIterations: flags["max-iterations"] }),
    ...(batch ? { batch } : {}),
    // A batch pass makes no model call but a tool loop's: its files are read and built side by side.
    concurrency: batch ? Math.max(flags.concurrency, FILES_IN_HAND) : flags.concurrency,
    maxFileBytes: flags["max-file-bytes"],
    ...(deadline === undefined ? {} : { deadline }),
    ...(flags["max-tokens"] === undefined ? {} : { maxTokens: flags["max-tokens"] }),
    ...(flags["max-cost"] === undefined ? {} : { maxCostUsd: flags["max-cost"] }),
    ...(flags.batch ? { prices: batchPrices(prices) } : prices ? { prices } : {}),
    ...(verdictStore
      ? {
          verdictStore,
          onCacheError: (error: unknown) => {
            if (cacheWarned) return;
            cacheWarned = true;
            io.stderr(
              `rubric-gate: warning: the verdict cache failed, going on without it: ${String(error)}`,
            );
          },
        }
      : {}),
    clock,
    ...(io.signal ? { signal: io.signal } : {}),
    toolVersion: VERSION,
    ...(mlflow
      ? {
          onVersions: (path: string, rubric: string, texts: (string | null)[]) => {
            versions.set(`${rubric}\0${path}`, texts);
          },
        }
      : {}),
    onStart: (pairs) => {
      total = pairs;
      heartbeat.start();
    },
    onFile: (file) => {
      done++;
      heartbeat.beat();
      io.stderr(progressLine(file, done, total, seenReasons));
    },
  }).finally(() => {
    heartbeat.stop();
    batch?.close();
  });
  // The report is a contract: never write one that does not validate.
  ReportSchema.parse(report);
  if (batchState) {
    const { kept } = await batchState.finish();
    if (kept > 0)
      io.stderr(
        `rubric-gate: ${kept} batch(es) not collected yet are kept in ${relative(io.cwd, batchState.path) || batchState.path}: run the same command again to collect them without paying twice`,
      );
  }
  if (flags.report) {
    const target = resolve(io.cwd, flags.report);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, JSON.stringify(report, null, 2) + "\n");
  }
  if (journal !== undefined) {
    try {
      await appendJournal(journal, journalLines(report));
    } catch (error) {
      io.stderr(`rubric-gate: --journal ${flags.journal}: cannot append to it (${(error as Error).message})`);
      return 2;
    }
  }
  if (mlflow) {
    // The export is a record of the run, not part of its decision: a failure warns, the gate stands.
    try {
      const done = await exportToMlflow(report, mlflow, {
        versions: (path, rubric) => versions.get(`${rubric}\0${path}`),
      });
      io.stderr(
        `rubric-gate: logged ${done.runs} run(s) in ${done.experiments} experiment(s) to MLflow at ${mlflow.shown}`,
      );
      for (const note of done.notes) io.stderr(`rubric-gate: warning: MLflow: ${note}`);
    } catch (error) {
      io.stderr(
        `rubric-gate: warning: the MLflow export failed; the gate is unchanged: ${(error as Error).message}`,
      );
    }
  }
  if (flags.json) io.stdout(JSON.stringify(report, null, 2));
  else io.stdout(renderReport(report));
  for (const file of report.files) {
    if (file.written && file.diff) io.stderr(`Revised ${inlineText(file.path, 500)}:\n${file.diff}`);
  }
  // The exit code is the gate's: decided once, with what was printed and what the report says.
  return report.gate.exit_code;
}

/** Tells the user why a revision was not written back (the report then says `written: false`). */
function sayingRefusals(sink: FileSink, io: CliIo): FileSink {
  return {
    write: (path, content, expected) =>
      sink.write(path, content, expected).catch((error: unknown) => {
        if (error instanceof WriteRefusedError)
          io.stderr(`rubric-gate: ${error.message}; run again to revise it`);
        throw error;
      }),
  };
}
