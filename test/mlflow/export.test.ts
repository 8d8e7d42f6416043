// The MLflow export against a local stand-in written from MLflow's REST API reference (no MLflow
// server can be installed here): the requests it makes, log-batch split at MLflow's limits, auth from
// MLflow's variables, artifacts through the proxy, and failures that name the request.
import { afterEach, describe, expect, it } from "vitest";
import { LOG_BATCH_LIMITS, mlflowKey, splitLogBatch } from "../../src/mlflow/batch.js";
import {
  exportToMlflow,
  MlflowConfigError,
  MlflowError,
  mlflowTarget,
  proxiedArtifactRoot,
} from "../../src/mlflow/export.js";
import { startMlflowServer, type MlflowStandIn } from "../support/mlflow-server.js";
import { file, report } from "../support/report-builder.js";

let server: MlflowStandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sample = report(
  [
    file({
      path: "docs/a.md",
      iterations: [
        { verdicts: { scope: "fail", limits: "pass" } },
        { verdicts: { scope: "pass", limits: "pass" }, diff: "-a\n+b\n" },
      ],
    }),
    file({ path: "docs/b.md", rubric: "rubrics/other.md", verdicts: { x: "pass" } }),
    file({
      path: "notes.txt",
      rubric: "(none)",
      result: "skipped",
      skip_kind: "no_rubric",
      reason: "no rubric matches this file",
    }),
  ],
  { rubrics: { "rubrics/docs.md": { sha256: "e".repeat(64), criteria: [] } } },
);

describe("exportToMlflow", () => {
  it("creates an experiment per rubric and a run per graded file, logs params, tags and metrics by step, uploads artifacts, finishes the runs", async () => {
    server = await startMlflowServer();
    const result = await exportToMlflow(sample, mlflowTarget(server.url, {}), {
      versions: (path) => (path === "docs/a.md" ? ["a\n", "b\n"] : undefined),
    });
    expect(result).toMatchObject({ experiments: 2, runs: 2, artifacts: 6, notes: [] });
    expect([...server.experiments.keys()]).toEqual([
      "rubric-gate/rubrics/docs.md",
      "rubric-gate/rubrics/other.md",
    ]);
    const routes = server.requests.map(
      (r) => `${r.method} ${r.path.replace(/\/artifacts\/.*/, "/artifacts/…")}`,
    );
    expect(routes.slice(0, 4)).toEqual([
      "GET /api/2.0/mlflow/experiments/get-by-name",
      "POST /api/2.0/mlflow/experiments/create",
      "POST /api/2.0/mlflow/runs/create",
      "POST /api/2.0/mlflow/runs/log-batch",
    ]);
    expect(routes).toContain("PUT /api/2.0/mlflow-artifacts/artifacts/…");
    const runA = [...server.runs.values()].find((r) => r.run_name === "docs/a.md")!;
    expect(runA.status).toBe("FINISHED");
    expect(Object.fromEntries(runA.params)).toMatchObject({
      rubric: "rubrics/docs.md",
      rubric_sha256: "e".repeat(64),
      content_sha256: "a".repeat(64),
    });
    expect(runA.tags.get("rubric-gate.result")).toBe("satisfied");
    expect(runA.tags.get("rubric-gate.best_iteration")).toBe("1");
    expect(runA.metrics.filter((m) => m.key === "criterion.scope").map((m) => [m.step, m.value])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(runA.metrics.filter((m) => m.key === "score").map((m) => [m.step, m.value])).toEqual([
      [0, 0.5],
      [1, 1],
    ]);
    const root = `${runA.experiment_id}/${runA.run_id}/artifacts`;
    expect(server.artifacts.get(`${root}/iterations/1/version.txt`)).toBe("b\n");
    expect(server.artifacts.get(`${root}/iterations/1/changes.diff`)).toBe("-a\n+b\n");
    expect(JSON.parse(server.artifacts.get(`${root}/iterations/0/verdicts.json`)!)).toMatchObject({
      verdicts: { scope: { verdict: "fail" } },
    });
  });

  it("reuses an experiment that exists and one another exporter created meanwhile", async () => {
    server = await startMlflowServer();
    await exportToMlflow(sample, mlflowTarget(server.url, {}));
    const before = server.experiments.size;
    await exportToMlflow(sample, mlflowTarget(server.url, {}));
    expect(server.experiments.size).toBe(before);
    expect(server.runs.size).toBe(4);
  });

  it("splits log-batch at MLflow's limits: no request over 1000 items, 1000 metrics or 1 MB", async () => {
    server = await startMlflowServer();
    const criteria = Object.fromEntries(
      Array.from({ length: 120 }, (_, c) => [`criterion-${c}`, "pass" as const]),
    );
    const big = report([
      file({ path: "docs/big.md", iterations: Array.from({ length: 12 }, () => ({ verdicts: criteria })) }),
    ]);
    await exportToMlflow(big, mlflowTarget(server.url, {}));
    const batches = server.requests.filter((r) => r.path.endsWith("/runs/log-batch"));
    // 12 × (120 criteria + score + 3 usage metrics) + best_score + cost = 1490 metrics.
    expect(batches.length).toBe(2);
    const run = [...server.runs.values()][0]!;
    expect(run.metrics).toHaveLength(1490);
    for (const b of batches) {
      const body = b.body as { metrics: unknown[]; params: unknown[]; tags: unknown[] };
      expect(body.metrics.length).toBeLessThanOrEqual(1000);
      expect(body.metrics.length + body.params.length + body.tags.length).toBeLessThanOrEqual(1000);
      expect(b.bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(b.status).toBe(200);
    }
  });

  it("a 500 from the server is an MlflowError that names the request", async () => {
    server = await startMlflowServer({
      fail: (_m, path) => (path.endsWith("/runs/log-batch") ? 500 : undefined),
    });
    const error = await exportToMlflow(sample, mlflowTarget(server.url, {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowError);
    expect((error as Error).message).toMatch(
      /^POST \/api\/2.0\/mlflow\/runs\/log-batch: HTTP 500 from http:\/\/127.0.0.1:\d+: INTERNAL_ERROR/,
    );
    // Not retried: a 500 may have written part of the batch.
    expect(server.requests.filter((r) => r.path.endsWith("/runs/log-batch"))).toHaveLength(1);
  });

  it("retries a 503 (not taken) twice", async () => {
    let failures = 2;
    server = await startMlflowServer({
      fail: (_m, path) => (path.endsWith("/runs/create") && failures-- > 0 ? 503 : undefined),
    });
    await exportToMlflow(sample, mlflowTarget(server.url, {}), { sleep: async () => {} });
    expect(server.runs.size).toBe(2);
  });

  it("sends MLflow's auth: a bearer token, or basic auth from the username and password", async () => {
    server = await startMlflowServer({ requireAuth: "Bearer t0ken" });
    await exportToMlflow(sample, mlflowTarget(server.url, { MLFLOW_TRACKING_TOKEN: "t0ken" }));
    await server.close();
    server = await startMlflowServer({ requireAuth: `Basic ${Buffer.from("ann:pw").toString("base64")}` });
    await exportToMlflow(
      sample,
      mlflowTarget(server.url, { MLFLOW_TRACKING_USERNAME: "ann", MLFLOW_TRACKING_PASSWORD: "pw" }),
    );
    const error = await exportToMlflow(sample, mlflowTarget(server.url, {})).catch((e: unknown) => e);
    expect((error as Error).message).toContain("HTTP 401");
    expect((error as Error).message).toContain("MLFLOW_TRACKING_TOKEN");
  });

  it("says once that artifacts were not uploaded when the server does not proxy them", async () => {
    server = await startMlflowServer({ artifacts: "s3" });
    const result = await exportToMlflow(sample, mlflowTarget(server.url, {}));
    expect(result.artifacts).toBe(0);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toContain("--serve-artifacts");
    expect(server.requests.some((r) => r.method === "PUT")).toBe(false);
  });
});

describe("mlflowTarget", () => {
  it("refuses what is not an http(s) server, with the fix, and never shows credentials", () => {
    expect(() => mlflowTarget("./mlruns", {})).toThrow(MlflowConfigError);
    expect(() => mlflowTarget("file:///tmp/mlruns", {})).toThrow(
      /http\(s\):\/\/ address of an MLflow tracking server/,
    );
    expect(() => mlflowTarget("databricks", {})).toThrow(/not a URL/);
    const target = mlflowTarget("https://ann:secret@mlflow.example.com/prefix/", {});
    expect(target.shown).toBe("https://mlflow.example.com/prefix");
    expect(target.headers.authorization).toBe(`Basic ${Buffer.from("ann:secret").toString("base64")}`);
  });
});

describe("log-batch helpers", () => {
  it("splitLogBatch honours every limit, including the size", () => {
    const metrics = Array.from({ length: 2500 }, (_, i) => ({
      key: `m${i}`,
      value: i,
      timestamp: 1,
      step: 0,
    }));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: "v" }));
    const tags = Array.from({ length: 5 }, (_, i) => ({ key: `t${i}`, value: "x".repeat(4000) }));
    const batches = splitLogBatch({ metrics, params, tags }, { ...LOG_BATCH_LIMITS, bytes: 30_000 });
    for (const b of batches) {
      expect(b.params.length).toBeLessThanOrEqual(100);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
      expect(Buffer.byteLength(JSON.stringify({ run_id: "x".repeat(32), ...b }))).toBeLessThanOrEqual(30_000);
    }
    expect(batches.flatMap((b) => b.metrics)).toEqual(metrics);
    expect(batches.flatMap((b) => b.params)).toEqual(params);
  });

  it("mlflowKey keeps what MLflow accepts and replaces the rest", () => {
    expect(mlflowKey("criterion.states-scope")).toBe("criterion.states-scope");
    expect(mlflowKey("criterion.a:b/../c")).toBe("criterion.a_b/_/c");
    expect(mlflowKey("/abs")).toBe("_abs");
  });

  it("proxiedArtifactRoot reads both forms of mlflow-artifacts URIs and nothing else", () => {
    expect(proxiedArtifactRoot("mlflow-artifacts:/1/abc/artifacts")).toBe("1/abc/artifacts");
    expect(proxiedArtifactRoot("mlflow-artifacts://host:5000/1/abc/artifacts")).toBe("1/abc/artifacts");
    expect(proxiedArtifactRoot("s3://bucket/1/abc")).toBeNull();
    expect(proxiedArtifactRoot("mlflow-artifacts:/1/../../etc")).toBeNull();
  });
});
