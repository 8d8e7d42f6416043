// Scale benchmarks (`npm run bench -- --scale-only [--scale-files 10000] [--batch-files 1000,10000]`):
//
// Shards: one tree of N generated pages graded by the committed CLI bundle once whole, then as 4 shards
// one after another (each in its own process, as on its own runner), against the local model server
// in a process of its own answering after a fixed latency. It prints each run's wall time and peak
// RSS, and the slowest shard's wall against the single run's: what a 4-runner matrix job would take.
//
// Batch: `grade --batch` on trees of 1k and 10k pages: one batch round through the OpenAI SDK's files
// and batches endpoints on the same server; requests built and matched per second, and peak RSS beside
// the same tree graded online, to see what batching adds to the memory every run needs as the file
// count grows. No figure is asserted: they are printed.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { writeTree } from "./tree.js";

interface Measured {
  label: string;
  files: number;
  wallMs: number;
  peakRssMb: number;
  exitCode: number;
}

const PRELOAD = `process.on("exit", () => { process.stderr.write("\\nMAXRSS " + process.resourceUsage().maxRSS + "\\n"); });\n`;

async function runCli(
  bundle: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  preload: string,
): Promise<{ wallMs: number; peakRssMb: number; exitCode: number; stderr: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", preload, bundle, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) =>
    child.once("exit", (code) => {
      resolve(code ?? -1);
    }),
  );
  const wallMs = performance.now() - started;
  const kb = Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? "0");
  return { wallMs, peakRssMb: kb / 1024, exitCode, stderr };
}

export async function scaleBench(options: {
  bundle: string;
  serverUrl: string;
  shardFiles: number;
  batchFiles: number[];
  concurrency: number;
}): Promise<{ shards: Measured[]; batch: Measured[] }> {
  const scratch = await mkdtemp(join(tmpdir(), "rubric-gate-scale-"));
  const preload = join(scratch, "maxrss.mjs");
  await writeFile(preload, PRELOAD);
  const env = {
    OPENAI_API_KEY: "bench-key",
    OPENAI_BASE_URL: options.serverUrl,
    RUBRIC_GATE_BATCH_POLL_MS: "200",
  };
  const grade = ["grade", "--judge", "openai:gpt-4.1", "--concurrency", String(options.concurrency)];
  try {
    const shards: Measured[] = [];
    const tree = join(scratch, "shards");
    if (options.shardFiles > 0) {
      await writeTree(tree, options.shardFiles);
      process.stderr.write(`grading ${options.shardFiles} files whole…\n`);
      const whole = await runCli(options.bundle, [...grade, "--report", "whole.json"], tree, env, preload);
      shards.push({ label: "whole", files: options.shardFiles, ...whole });
      for (let i = 1; i <= 4; i++) {
        process.stderr.write(`grading shard ${i}/4…\n`);
        const run = await runCli(
          options.bundle,
          [...grade, "--shard", `${i}/4`, "--report", `shard-${i}.json`],
          tree,
          env,
          preload,
        );
        const report = JSON.parse(await readFile(join(tree, `shard-${i}.json`), "utf8")) as {
          files: unknown[];
        };
        const files = report.files.length;
        shards.push({ label: `shard ${i}/4`, files, ...run });
      }
      const merge = await runCli(
        options.bundle,
        [
          "merge-reports",
          "shard-1.json",
          "shard-2.json",
          "shard-3.json",
          "shard-4.json",
          "-o",
          "merged.json",
        ],
        tree,
        env,
        preload,
      );
      shards.push({ label: "merge-reports", files: options.shardFiles, ...merge });
    }

    const batch: Measured[] = [];
    for (const files of options.batchFiles) {
      const dir = join(scratch, `batch-${files}`);
      await writeTree(dir, files);
      process.stderr.write(`grading ${files} files with --batch…\n`);
      const run = await runCli(
        options.bundle,
        [...grade, "--batch", "--report", "r.json"],
        dir,
        env,
        preload,
      );
      batch.push({ label: `--batch ${files}`, files, ...run });
      // The same tree online, for the memory every run needs (the report of every file).
      process.stderr.write(`grading ${files} files online…\n`);
      const online = await runCli(options.bundle, [...grade, "--report", "o.json"], dir, env, preload);
      batch.push({ label: `online ${files}`, files, ...online });
    }
    return { shards, batch };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export function scaleTable({ shards, batch }: { shards: Measured[]; batch: Measured[] }): string {
  const rows = [
    "| run | files | wall | peak RSS | exit |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...[...shards, ...batch].map(
      (m) =>
        `| ${m.label} | ${m.files.toLocaleString("en-US")} | ${(m.wallMs / 1000).toFixed(1)} s | ${m.peakRssMb.toFixed(0)} MB | ${m.exitCode} |`,
    ),
  ];
  const whole = shards.find((s) => s.label === "whole");
  const slowest = Math.max(...shards.filter((s) => s.label.startsWith("shard")).map((s) => s.wallMs));
  const lines = [rows.join("\n"), ""];
  if (whole)
    lines.push(
      `Slowest shard ${(slowest / 1000).toFixed(1)} s vs the single run ${(whole.wallMs / 1000).toFixed(1)} s: ${(slowest / whole.wallMs).toFixed(2)}× (4 runners).`,
    );
  const batched = batch.filter((b) => b.label.startsWith("--batch"));
  const online = batch.filter((b) => b.label.startsWith("online"));
  for (const b of batched)
    lines.push(
      `${b.label}: ${(b.files / (b.wallMs / 1000)).toFixed(0)} requests built, batched and matched per second (wall, process start to exit).`,
    );
  const growth = (runs: Measured[]): number | null => {
    const [first, last] = [runs[0], runs.at(-1)];
    if (!first || !last || first === last) return null;
    return (last.peakRssMb - first.peakRssMb) / ((last.files - first.files) / 1000);
  };
  const [batchGrowth, onlineGrowth] = [growth(batched), growth(online)];
  if (batchGrowth !== null && onlineGrowth !== null)
    lines.push(
      `Peak RSS grows ${batchGrowth.toFixed(1)} MB per 1,000 more files with --batch, ${onlineGrowth.toFixed(1)} MB online (the report of every file).`,
    );
  for (const b of batched) {
    const o = online.find((run) => run.files === b.files);
    if (o)
      lines.push(
        `${b.files.toLocaleString("en-US")} files: --batch ${b.peakRssMb.toFixed(0)} MB, online ${o.peakRssMb.toFixed(0)} MB (${(b.peakRssMb / o.peakRssMb).toFixed(2)}×).`,
      );
  }
  return lines.join("\n");
}
