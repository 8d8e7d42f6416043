// `grade --journal` and `grade --mlflow` on a real run (the OpenAI SDK against the local model server,
// MLflow against the stand-in written from its REST reference): the journal's lines match the published
// schema and the report; a failing MLflow server warns and leaves the gate and the exit code alone.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, describe, expect, it } from "vitest";
import type { JournalLine } from "../../src/report/journal.js";
import type { Report } from "../../src/report/schema.js";
import { GUIDE, runJourney } from "../support/journey.js";
import { startMlflowServer, type MlflowStandIn } from "../support/mlflow-server.js";

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(new URL("../../schema/journal.schema.json", import.meta.url), "utf8")) as object,
);

let mlflow: MlflowStandIn | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await mlflow?.close();
  mlflow = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function journey(args: string[], env: Record<string, string> = {}) {
  const result = await runJourney(args, env);
  cleanups.push(() => result.ws.cleanup());
  return result;
}

describe("grade --journal", () => {
  it("appends a schema-valid line per file, iteration and criterion of the run", async () => {
    const refused = await journey(["--journal", "docs"]);
    expect(refused.run.code).toBe(2);
    expect(refused.run.stderr).toContain(
      "--journal docs: cannot append to it (it is a directory; give a file",
    );
    expect(refused.server.requests).toHaveLength(0);

    const ok = await journey(["--journal", "logs/journal.jsonl"]);
    expect(ok.run.code, ok.run.stderr).toBe(1);
    const report = JSON.parse(await ok.ws.read("report.json")) as Report;
    const lines = (await ok.ws.read("logs/journal.jsonl"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as JournalLine);
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    const expected = report.files.flatMap((f) =>
      f.iterations.flatMap((i) => Object.keys(i.verdicts).map((id) => `${f.path}#${i.index}:${id}`)),
    );
    expect(lines.map((l) => `${l.path}#${l.iteration}:${l.criterion}`)).toEqual(expected);
    expect(new Set(lines.map((l) => l.rubric_sha256))).toEqual(
      new Set([report.rubrics?.["rubrics/guide.md"]?.sha256]),
    );
    expect(lines.every((l) => l.judges.every((j) => j === "openai:gpt-4.1"))).toBe(true);
  });
});

describe("grade --mlflow", () => {
  it("logs the run, each version as an artifact, and prints what it logged", async () => {
    mlflow = await startMlflowServer();
    const { ws, run } = await journey(["--mlflow", mlflow.url]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`logged 2 run(s) in 1 experiment(s) to MLflow at ${mlflow.url}`);
    const report = JSON.parse(await ws.read("report.json")) as Report;
    const guide = [...mlflow.runs.values()].find((r) => r.run_name === "docs/guide.md")!;
    expect(guide.tags.get("rubric-gate.result")).toBe(
      report.files.find((f) => f.path === "docs/guide.md")!.result,
    );
    expect(guide.metrics.filter((m) => m.key === "score").map((m) => m.step)).toEqual([0, 1, 2]);
    const root = `${guide.experiment_id}/${guide.run_id}/artifacts`;
    expect(mlflow.artifacts.get(`${root}/iterations/0/version.txt`)).toBe(GUIDE);
    expect(mlflow.artifacts.get(`${root}/iterations/1/version.txt`)).toContain("Usage: `tool run`");
    expect(mlflow.artifacts.get(`${root}/iterations/2/changes.diff`)).toContain("-## Install");
  });

  it("a 500 from the server warns, and the gate, the report and the exit code stay as they were", async () => {
    mlflow = await startMlflowServer({
      fail: (_m, path) => (path.endsWith("/runs/log-batch") ? 500 : undefined),
    });
    const { ws, run } = await journey([], { MLFLOW_TRACKING_URI: mlflow.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /warning: the MLflow export failed; the gate is unchanged: POST \/api\/2.0\/mlflow\/runs\/log-batch: HTTP 500/,
    );
    const report = JSON.parse(await ws.read("report.json")) as Report;
    expect(report.gate.status).toBe("failed");
    expect(report.gate.exit_code).toBe(1);
    expect(run.stdout).toContain("Gate: FAILED");
    expect(mlflow.requests.some((r) => r.path.endsWith("/runs/log-batch"))).toBe(true);
  });

  it("a URI that is not an MLflow server is a usage error before any model call", async () => {
    const { run, server } = await journey([], { MLFLOW_TRACKING_URI: "./mlruns" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("$MLFLOW_TRACKING_URI");
    expect(run.stderr).toContain("http://localhost:5000");
    expect(server.requests).toHaveLength(0);
  });
});
