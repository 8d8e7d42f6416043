// The speed and cost benchmark (`npm run bench -- [--files 10,100,1000] [--latency-ms 200] [--concurrency 16]`).
//
// For each tree size N it grades N generated markdown files against a realistic 8-criterion rubric,
// in-process through `runGrade`, the real OpenAI SDK and real HTTP to the local model server, which
// answers every call after a fixed latency. It reports wall time against the ideal
// (ceil(N / concurrency) × latency: one judge call per file, perfectly packed), calls and tokens per
// file, a second run over the unchanged tree with the verdict cache (it must make no call), and the
// peak RSS. Each size runs in a child process of its own, so its memory figure is its own. Then the
// cold start of both bundles: from spawning `node dist/cli/index.js grade`, and `node dist/index.js` (the
// Action, on a push event against the local GitHub server), to the first model request reaching the
// server; and the bundles' sizes. Then the judge's input tokens per call for a 10-criterion rubric
// (`--compare-bundle PATH` runs the same grade through another build, e.g. an earlier commit's
// dist/cli/index.js, for a before/after figure). No figure is asserted: it is printed.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { cpus, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runGrade } from "../src/engine/run.js";
import { createFileVerdictStore } from "../src/fs/verdict-store.js";
import { createWorkspaceSource } from "../src/fs/workspace.js";
import { createModelClient } from "../src/providers/factory.js";
import { RateLimits } from "../src/providers/rate-limit.js";
import { systemClock } from "../src/providers/retry.js";
import { startGitHubServer } from "../test/support/github-server.js";
import { startModelServer, type ModelServer } from "../test/support/model-server.js";
import { scripted } from "../test/support/scripted.js";
import { checksCost, promptSize } from "./prompt-size.js";
import { renderBench, renderTable } from "./render.js";
import { RULES, writeTree } from "./tree.js";
import { scaleBench, scaleTable } from "./scale.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(ROOT, "dist/cli/index.js");
const ACTION_BUNDLE = join(ROOT, "dist/index.js");
const JUDGE = "openai:gpt-4.1";

interface SizeResult {
  files: number;
  concurrency: number;
  latencyMs: number;
  wallMs: number;
  idealMs: number;
  calls: number;
  judgeCalls: number;
  inputTokens: number;
  outputTokens: number;
  rateLimited: number;
  cachedWallMs: number;
  cachedCalls: number;
  cachedGrades: number;
  peakRssMb: number;
}

/** Grades one tree of `files` files twice (cold, then from the cache) and returns the figures. */
async function measure(files: number, latencyMs: number, concurrency: number): Promise<SizeResult> {
  const server = await startServerProcess(latencyMs);
  const root = await mkdtemp(join(tmpdir(), "rubric-gate-bench-"));
  try {
    await writeTree(root, files);
    const cacheDir = join(root, ".rubric-gate/cache");
    const grade = async () => {
      const rateLimits = new RateLimits(systemClock);
      const started = performance.now();
      const { report } = await runGrade({
        workspace: createWorkspaceSource(root),
        rubricsGlob: "rubrics/**/*.md",
        judge: JUDGE,
        writer: null,
        models: (spec) =>
          createModelClient(spec, {
            env: { OPENAI_API_KEY: "bench", OPENAI_BASE_URL: server.url },
            retry: { clock: systemClock },
            rateLimits,
          }),
        revise: false,
        concurrency,
        verdictStore: await createFileVerdictStore(cacheDir),
        clock: systemClock,
        toolVersion: "bench",
      });
      const wallMs = performance.now() - started;
      const rateLimited = Object.values(rateLimits.stats()).reduce((n, s) => n + s.rateLimited, 0);
      if (report.totals.files !== files) throw new Error(`graded ${report.totals.files} of ${files} files`);
      return { report, wallMs, rateLimited };
    };

    const requestsBefore = await server.requests();
    const cold = await grade();
    const served = (await server.requests()) - requestsBefore;
    const warm = await grade();
    const t = cold.report.totals;
    return {
      files,
      concurrency,
      latencyMs,
      wallMs: cold.wallMs,
      idealMs: Math.ceil(files / concurrency) * latencyMs,
      calls: served,
      judgeCalls: t.judge_calls,
      inputTokens: t.input_tokens,
      outputTokens: t.output_tokens,
      rateLimited: cold.rateLimited,
      cachedWallMs: warm.wallMs,
      cachedCalls: (await server.requests()) - requestsBefore - served,
      cachedGrades: warm.report.totals.cached_grades ?? 0,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** The model server in a child process (see server-process.ts), same Node and loader as this one. */
async function startServerProcess(
  latencyMs: number,
): Promise<{ url: string; requests(): Promise<number>; close(): Promise<void> }> {
  const script = fileURLToPath(new URL("./server-process.ts", import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, "--latency-ms", String(latencyMs)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [ready] = (await once(child, "message")) as [{ url: string }];
  return {
    url: ready.url,
    requests: async () => {
      child.send("count");
      const [reply] = (await once(child, "message")) as [{ count: number }];
      return reply.count;
    },
    close: async () => {
      child.send("close");
      await once(child, "exit");
    },
  };
}

type Launch = (root: string, modelBaseURL: string) => Promise<{ args: string[]; env: NodeJS.ProcessEnv }>;

/** The CLI: `node dist/cli/index.js grade` in the tree. */
const launchCli: Launch = (_root, modelBaseURL) =>
  Promise.resolve({
    args: [BUNDLE, "grade", "--judge", JUDGE],
    env: { PATH: process.env.PATH, OPENAI_API_KEY: "bench", OPENAI_BASE_URL: modelBaseURL },
  });

/** The Action as the runner starts it on a push: event file, GITHUB_* variables, INPUT_* inputs. */
function launchAction(apiUrl: string): Launch {
  return async (root, modelBaseURL) => {
    const eventPath = join(root, "..", `event-${process.pid}.json`);
    await writeFile(eventPath, JSON.stringify({ after: "a".repeat(40), ref: "refs/heads/main" }));
    return {
      args: [ACTION_BUNDLE],
      env: {
        PATH: process.env.PATH,
        GITHUB_EVENT_NAME: "push",
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_REPOSITORY: "bench/tree",
        GITHUB_SHA: "a".repeat(40),
        GITHUB_REF: "refs/heads/main",
        GITHUB_WORKSPACE: root,
        GITHUB_API_URL: apiUrl,
        RUNNER_TEMP: join(root, ".."),
        GITHUB_OUTPUT: join(root, "..", `output-${process.pid}.txt`),
        GITHUB_STEP_SUMMARY: join(root, "..", `summary-${process.pid}.md`),
        INPUT_JUDGE: JUDGE,
        "INPUT_OPENAI-API-KEY": "bench",
        "INPUT_OPENAI-BASE-URL": modelBaseURL,
        "INPUT_GITHUB-TOKEN": "bench-token",
      },
    };
  };
}

/** Median time from spawning a bundle to the first model request reaching the server. */
async function coldStart(runs: number, launch: Launch): Promise<{ medianMs: number; samplesMs: number[] }> {
  const judge = scripted({ judge: RULES });
  let arrived: (() => void) | undefined;
  const server: ModelServer = await startModelServer((req) => {
    arrived?.();
    return judge(req);
  });
  const root = await mkdtemp(join(tmpdir(), "rubric-gate-cold-"));
  const samplesMs: number[] = [];
  try {
    await writeTree(root, 1);
    for (let i = 0; i < runs; i++) {
      const { args, env } = await launch(root, server.openaiBaseURL);
      const first = new Promise<void>((resolve) => (arrived = resolve));
      const started = performance.now();
      const child = spawn(process.execPath, args, { cwd: root, env, stdio: "ignore" });
      const exited = new Promise<void>((resolve) =>
        child.once("exit", () => {
          resolve();
        }),
      );
      await Promise.race([first, exited]);
      samplesMs.push(performance.now() - started);
      await exited;
    }
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN, samplesMs };
}

async function directorySize(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? await directorySize(path) : (await stat(path)).size;
  }
  return bytes;
}

/** Runs one size in a child process (same Node, same loader) and reads its JSON line. */
function inChild(files: number, latencyMs: number, concurrency: number): Promise<SizeResult> {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    "--only",
    String(files),
    "--latency-ms",
    String(latencyMs),
    "--concurrency",
    String(concurrency),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) reject(new Error(`the run of ${files} files exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as SizeResult);
    });
  });
}

const s = (ms: number) => (ms / 1000).toFixed(2);

function table(results: SizeResult[]): string {
  const rows = [
    [
      "files",
      "wall s",
      "ideal s",
      "wall/ideal",
      "calls/file",
      "in tok/file",
      "out tok/file",
      "429s",
      "cached run: calls",
      "cached run: grades from cache",
      "cached run: wall s",
      "peak RSS MB",
    ],
    ...results.map((r) => [
      String(r.files),
      s(r.wallMs),
      s(r.idealMs),
      (r.wallMs / r.idealMs).toFixed(3),
      (r.calls / r.files).toFixed(2),
      (r.inputTokens / r.files).toFixed(0),
      (r.outputTokens / r.files).toFixed(0),
      String(r.rateLimited),
      String(r.cachedCalls),
      String(r.cachedGrades),
      s(r.cachedWallMs),
      r.peakRssMb.toFixed(0),
    ]),
  ];
  return rows
    .map((r, i) => `| ${r.join(" | ")} |${i === 0 ? `\n|${" --- |".repeat(r.length)}` : ""}`)
    .join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: "string", default: "10,100,1000" },
      "latency-ms": { type: "string", default: "200" },
      concurrency: { type: "string", default: "16" },
      only: { type: "string" },
      "cold-start-runs": { type: "string", default: "5" },
      "compare-bundle": { type: "string" },
      "render-sizes": { type: "string", default: "10240,1048576,10485760" },
      "render-only": { type: "boolean", default: false },
      "checks-only": { type: "boolean", default: false },
      "scale-only": { type: "boolean", default: false },
      "scale-files": { type: "string", default: "10000" },
      "batch-files": { type: "string", default: "1000,10000" },
      "scale-latency-ms": { type: "string", default: "20" },
    },
  });
  const latencyMs = Number(values["latency-ms"]);
  const concurrency = Number(values.concurrency);
  if (values.only !== undefined) {
    process.stdout.write(JSON.stringify(await measure(Number(values.only), latencyMs, concurrency)) + "\n");
    return;
  }
  const renderSizes = values["render-sizes"].split(",").map(Number);
  if (values["checks-only"]) {
    for (const c of await checksCost(BUNDLE)) console.log(JSON.stringify(c));
    return;
  }
  if (values["scale-only"]) {
    const server = await startServerProcess(Number(values["scale-latency-ms"]));
    try {
      const result = await scaleBench({
        bundle: BUNDLE,
        serverUrl: server.url,
        shardFiles: Number(values["scale-files"]),
        batchFiles: values["batch-files"].split(",").map(Number),
        concurrency,
      });
      console.log(scaleTable(result));
    } finally {
      await server.close();
    }
    return;
  }
  if (values["render-only"]) {
    console.log(renderTable(await renderBench(renderSizes)));
    return;
  }
  const sizes = values.files.split(",").map(Number);
  const cpu = cpus();
  console.log(
    `rubric-gate benchmark: judge ${JUDGE} on the local model server, ${latencyMs} ms per call, ` +
      `concurrency ${concurrency}\nmachine: ${cpu.length} × ${cpu[0]?.model.trim() ?? "?"}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}\n`,
  );
  const results: SizeResult[] = [];
  for (const files of sizes) {
    process.stderr.write(`grading ${files} files…\n`);
    results.push(await inChild(files, latencyMs, concurrency));
  }
  console.log(table(results));
  for (const r of results) {
    const issues = [
      r.judgeCalls !== r.files ? `${r.judgeCalls} judge calls for ${r.files} files` : "",
      r.cachedCalls !== 0 ? `the cached run made ${r.cachedCalls} calls` : "",
      r.cachedGrades !== r.files ? `the cached run served ${r.cachedGrades} of ${r.files} grades` : "",
    ].filter(Boolean);
    if (issues.length) console.log(`\nN=${r.files}: ${issues.join("; ")}`);
  }

  try {
    await stat(BUNDLE);
  } catch {
    console.log("\ncold start: dist/cli/index.js is missing (run npm run build)");
    return;
  }
  console.log("\nrendering generated artifacts (in-process):");
  console.log(renderTable(await renderBench(renderSizes)));
  const sizes10 = [await promptSize(BUNDLE)];
  if (values["compare-bundle"] !== undefined) sizes10.push(await promptSize(values["compare-bundle"]));
  console.log("\njudge input tokens per call, 10-criterion rubric (the model server's count):");
  for (const p of sizes10) {
    console.log(
      `  ${p.bundle}: ${p.inputTokensPerCall.toFixed(0)} tokens per call, of which the answer schema ` +
        `${p.schemaTokens} (${p.judgeCalls} calls)`,
    );
  }
  console.log("\nmechanical criteria as deterministic checks (20 pages, the model server's count):");
  for (const c of await checksCost(BUNDLE)) {
    console.log(
      `  ${c.rubric}: ${c.judgeCalls} judge calls, ${c.inputTokens} input + ${c.outputTokens} output tokens, ` +
        `~$${c.costUsd?.toFixed(4) ?? "?"}`,
    );
  }
  const runs = Number(values["cold-start-runs"]);
  const cold = await coldStart(runs, launchCli);
  const github = await startGitHubServer({ owner: "bench", repo: "tree", validateResponses: false });
  const coldAction = await coldStart(runs, launchAction(github.url)).finally(() => github.close());
  const samples = (c: { samplesMs: number[] }) => c.samplesMs.map((ms) => ms.toFixed(0)).join(", ");
  const mib = async (path: string) => ((await stat(path)).size / 2 ** 20).toFixed(2);
  console.log(
    `\ncold start (spawn of node dist/cli/index.js grade → first model request): median ${cold.medianMs.toFixed(0)} ms (${samples(cold)})` +
      `\ncold start (spawn of node dist/index.js, the Action on a push → first model request, after creating the check run): ` +
      `median ${coldAction.medianMs.toFixed(0)} ms (${samples(coldAction)})` +
      `\nbundles: dist/index.js ${await mib(ACTION_BUNDLE)} MiB, dist/cli/index.js ${await mib(BUNDLE)} MiB; ` +
      `dist/ in all ${((await directorySize(join(ROOT, "dist"))) / 2 ** 20).toFixed(2)} MiB`,
  );
}

await main();
