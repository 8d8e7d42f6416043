// A local stand-in for an MLflow tracking server, written from MLflow's REST API reference
// (https://mlflow.org/docs/latest/api_reference/rest-api.html) and the artifact proxy's routes
// (`/api/2.0/mlflow-artifacts/artifacts/<path>`). No MLflow server can be installed on the machines this
// project is built on; the stand-in answers the routes the exporter uses in MLflow's wire format and
// enforces what the reference says the server enforces: log-batch's limits (1000 metrics, 100 params,
// 100 tags, 1000 in total, 1 MB), key names, params that never change, experiment names that are unique.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface MlflowRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  /** The parsed JSON body (API calls) or the raw text (artifact uploads). */
  body: unknown;
  bytes: number;
  status: number;
}

export interface MlflowRun {
  run_id: string;
  experiment_id: string;
  run_name: string;
  status: string;
  artifact_uri: string;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Array<{ key: string; value: number; step: number; timestamp: number }>;
}

export interface MlflowStandIn {
  url: string;
  requests: MlflowRequest[];
  experiments: Map<string, string>;
  runs: Map<string, MlflowRun>;
  artifacts: Map<string, string>;
  close(): Promise<void>;
}

export interface MlflowOptions {
  /** An `authorization` header every request must carry, else 401. */
  requireAuth?: string;
  /** Answers this status (with MLflow's error shape) instead of handling the request. */
  fail?: (method: string, path: string) => number | undefined;
  /** `proxy` (default): runs' artifact_uri is `mlflow-artifacts:/…`; `s3`: a store the proxy does not front. */
  artifacts?: "proxy" | "s3";
}

const KEY = /^[\w.\- /]+$/;
const LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000, bytes: 1024 * 1024 };

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startMlflowServer(options: MlflowOptions = {}): Promise<MlflowStandIn> {
  const requests: MlflowRequest[] = [];
  const experiments = new Map<string, string>();
  const runs = new Map<string, MlflowRun>();
  const artifacts = new Map<string, string>();
  let nextId = 1;

  const handle = (method: string, path: string, query: Record<string, string>, body: unknown): unknown => {
    if (method === "PUT" && path.startsWith("/api/2.0/mlflow-artifacts/artifacts/")) {
      const key = decodeURIComponent(path.slice("/api/2.0/mlflow-artifacts/artifacts/".length));
      if (key.split("/").some((s) => s === ".." || s === ""))
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", "bad artifact path");
      artifacts.set(key, String(body));
      return {};
    }
    const route = `${method} ${path}`;
    const json = (body ?? {}) as Record<string, unknown>;
    const run = (): MlflowRun => {
      const found = runs.get(String(json.run_id));
      if (!found)
        throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Run '${String(json.run_id)}' not found`);
      return found;
    };
    switch (route) {
      case "GET /api/2.0/mlflow/experiments/get-by-name": {
        const name = query.experiment_name;
        if (!name)
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            "Missing value for required parameter 'experiment_name'",
          );
        const id = experiments.get(name);
        if (id === undefined)
          throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Could not find experiment with name '${name}'`);
        return {
          experiment: {
            experiment_id: id,
            name,
            artifact_location: `mlflow-artifacts:/${id}`,
            lifecycle_stage: "active",
          },
        };
      }
      case "POST /api/2.0/mlflow/experiments/create": {
        if (typeof json.name !== "string" || json.name === "")
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'");
        if (experiments.has(json.name))
          throw new ApiError(400, "RESOURCE_ALREADY_EXISTS", `Experiment '${json.name}' already exists.`);
        const id = String(nextId++);
        experiments.set(json.name, id);
        return { experiment_id: id };
      }
      case "POST /api/2.0/mlflow/runs/create": {
        const experimentId = String(json.experiment_id);
        if (![...experiments.values()].includes(experimentId))
          throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `No Experiment with id=${experimentId} exists`);
        const runId = `run${nextId++}`.padEnd(32, "0");
        const artifactUri =
          options.artifacts === "s3"
            ? `s3://bucket/${experimentId}/${runId}/artifacts`
            : `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
        const created: MlflowRun = {
          run_id: runId,
          experiment_id: experimentId,
          run_name: typeof json.run_name === "string" ? json.run_name : "",
          status: "RUNNING",
          artifact_uri: artifactUri,
          params: new Map(),
          tags: new Map(),
          metrics: [],
        };
        for (const tag of (json.tags as Array<{ key: string; value: string }> | undefined) ?? [])
          created.tags.set(tag.key, tag.value);
        runs.set(runId, created);
        return {
          run: {
            info: {
              run_id: runId,
              run_uuid: runId,
              experiment_id: experimentId,
              run_name: created.run_name,
              status: "RUNNING",
              start_time: json.start_time,
              artifact_uri: artifactUri,
              lifecycle_stage: "active",
            },
            data: {},
          },
        };
      }
      case "POST /api/2.0/mlflow/runs/log-batch": {
        const target = run();
        const metrics = (json.metrics as unknown[] | undefined) ?? [];
        const params = (json.params as unknown[] | undefined) ?? [];
        const tags = (json.tags as unknown[] | undefined) ?? [];
        const limit = (what: string, n: number, max: number): void => {
          if (n > max)
            throw new ApiError(
              400,
              "INVALID_PARAMETER_VALUE",
              `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
            );
        };
        limit("metrics", metrics.length, LIMITS.metrics);
        limit("params", params.length, LIMITS.params);
        limit("tags", tags.length, LIMITS.tags);
        limit("metrics, params, and tags", metrics.length + params.length + tags.length, LIMITS.total);
        for (const m of metrics as Array<Record<string, unknown>>) {
          if (typeof m.key !== "string" || !KEY.test(m.key) || m.key.includes("..") || m.key.startsWith("/"))
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid metric name: '${String(m.key)}'`);
          if (
            typeof m.value !== "number" ||
            !Number.isInteger(m.timestamp) ||
            (m.step !== undefined && !Number.isInteger(m.step))
          )
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid metric '${m.key}'`);
        }
        for (const p of params as Array<{ key: string; value: string }>) {
          if (!KEY.test(p.key))
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid param name: '${p.key}'`);
          if (typeof p.value !== "string" || p.value.length > 6000)
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Param value for '${p.key}' is too long`);
          const old = target.params.get(p.key);
          if (old !== undefined && old !== p.value)
            throw new ApiError(
              400,
              "INVALID_PARAMETER_VALUE",
              `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}'`,
            );
        }
        for (const p of params as Array<{ key: string; value: string }>) target.params.set(p.key, p.value);
        for (const t of tags as Array<{ key: string; value: string }>) target.tags.set(t.key, t.value);
        for (const m of metrics as Array<{ key: string; value: number; step?: number; timestamp: number }>)
          target.metrics.push({ key: m.key, value: m.value, step: m.step ?? 0, timestamp: m.timestamp });
        return {};
      }
      case "POST /api/2.0/mlflow/runs/update": {
        const target = run();
        if (typeof json.status === "string") target.status = json.status;
        return { run_info: { run_id: target.run_id, status: target.status } };
      }
      default:
        throw new ApiError(404, "ENDPOINT_NOT_FOUND", `No route for ${route}`);
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const raw = Buffer.concat(chunks);
      const record: MlflowRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: null,
        bytes: raw.length,
        status: 200,
      };
      requests.push(record);
      const answer = (status: number, body: unknown): void => {
        record.status = status;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      try {
        if (options.requireAuth !== undefined && req.headers.authorization !== options.requireAuth)
          throw new ApiError(401, "UNAUTHENTICATED", "You are not authenticated.");
        const forced = options.fail?.(record.method, record.path);
        if (forced !== undefined)
          throw new ApiError(forced, "INTERNAL_ERROR", "The stand-in was told to fail this request.");
        const isArtifact = record.path.startsWith("/api/2.0/mlflow-artifacts/");
        if (!isArtifact && raw.length > LIMITS.bytes)
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            `The request is ${raw.length} bytes; at most ${LIMITS.bytes}`,
          );
        record.body = isArtifact
          ? raw.toString("utf8")
          : raw.length
            ? JSON.parse(raw.toString("utf8"))
            : null;
        answer(200, handle(record.method, record.path, record.query, record.body));
      } catch (error) {
        if (error instanceof ApiError)
          answer(error.status, { error_code: error.code, message: error.message });
        else answer(500, { error_code: "INTERNAL_ERROR", message: String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    experiments,
    runs,
    artifacts,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
