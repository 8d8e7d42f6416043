import type { FileReport, Report } from "../report/schema.js";
import { cutValue, mlflowKey, splitLogBatch, type KeyValue, type Metric } from "./batch.js";

/** Where and how to reach an MLflow tracking server. */
export interface MlflowTarget {
  /** The server's base URL, without credentials or a trailing slash. */
  base: string;
  /** What messages may show of it: scheme, host and path, never credentials. */
  shown: string;
  headers: Record<string, string>;
}

/** A bad `--mlflow` URI: the message names it and says what to give instead. */
export class MlflowConfigError extends Error {
  override readonly name = "MlflowConfigError";
}

/** An export that could not finish; what was exported before stays exported. */
export class MlflowError extends Error {
  override readonly name = "MlflowError";
}

/**
 * The tracking server from `--mlflow URI` (or `MLFLOW_TRACKING_URI`), with MLflow's own auth variables:
 * `MLFLOW_TRACKING_TOKEN` (a bearer token) or `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`
 * (basic auth). Only an HTTP(S) server is reached: a local `./mlruns` folder or `databricks` profile is
 * refused with the fix.
 */
export function mlflowTarget(uri: string, env: Record<string, string | undefined>): MlflowTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new MlflowConfigError(
      `${JSON.stringify(uri)} is not a URL; give the tracking server's address, e.g. http://localhost:5000`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new MlflowConfigError(
      `${url.protocol}… is not reachable over MLflow's REST API: give the http(s):// address of an MLflow tracking server (\`mlflow server\`), or of a Databricks workspace with MLFLOW_TRACKING_TOKEN set`,
    );
  }
  const headers: Record<string, string> = {};
  const token = env.MLFLOW_TRACKING_TOKEN;
  const user = env.MLFLOW_TRACKING_USERNAME ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password =
    env.MLFLOW_TRACKING_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined);
  if (token) headers.authorization = `Bearer ${token}`;
  else if (user !== undefined && password !== undefined)
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  const base = url.toString().replace(/\/+$/, "");
  return { base, shown: base, headers };
}

export interface ExportOptions {
  fetch?: typeof fetch;
  /** Per request. */
  timeoutMs?: number;
  /** Every graded version's text of a file by iteration (null where none), when the run kept them. */
  versions?: (path: string, rubric: string) => readonly (string | null)[] | undefined;
  now?: () => number;
  /** Waits before retrying a 429 or 503 (a request the server did not take); tests pass a quick one. */
  sleep?: (ms: number) => Promise<void>;
}

export interface ExportResult {
  experiments: number;
  runs: number;
  requests: number;
  artifacts: number;
  /** Things left out, said once each (e.g. a server that does not proxy artifacts). */
  notes: string[];
}

/**
 * Logs a finished run to MLflow (SPEC §11): an experiment per rubric (`rubric-gate/<rubric path>`), a
 * run per file, its models and hashes as params, a metric per criterion (1 pass, 0 fail) and the score
 * with `step` = iteration, its result as tags, and each iteration's verdicts, diff and version as
 * artifacts through the server's artifact proxy. Throws `MlflowError` at the first failed request.
 */
export async function exportToMlflow(
  report: Report,
  target: MlflowTarget,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const http = new MlflowHttp(target, options);
  const experiments = new Map<string, string>();
  const result: ExportResult = { experiments: 0, runs: 0, requests: 0, artifacts: 0, notes: [] };
  const note = (text: string): void => {
    if (!result.notes.includes(text)) result.notes.push(text);
  };
  const now = options.now ?? Date.now;
  try {
    for (const file of report.files) {
      if (file.skip_kind === "no_rubric") continue;
      let experimentId = experiments.get(file.rubric);
      if (experimentId === undefined) {
        experimentId = await http.experiment(`rubric-gate/${file.rubric}`);
        experiments.set(file.rubric, experimentId);
      }
      await exportFile(http, report, file, experimentId, options, note, now);
      result.runs++;
    }
  } finally {
    result.experiments = experiments.size;
    result.requests = http.requests;
    result.artifacts = http.artifacts;
  }
  return result;
}

async function exportFile(
  http: MlflowHttp,
  report: Report,
  file: FileReport,
  experimentId: string,
  options: ExportOptions,
  note: (text: string) => void,
  now: () => number,
): Promise<void> {
  const started = Date.parse(report.started_at) || now();
  const run = await http.post<{ run: { info: { run_id: string; artifact_uri?: string } } }>("runs/create", {
    experiment_id: experimentId,
    run_name: cutValue(file.path, 250),
    start_time: started,
    tags: [{ key: "rubric-gate.path", value: cutValue(file.path, 5000) }],
  });
  const runId = run.run.info.run_id;
  const batch = runData(report, file, started);
  for (const part of splitLogBatch(batch)) {
    await http.post("runs/log-batch", { run_id: runId, ...part });
  }
  const artifacts = artifactsOf(file, options.versions?.(file.path, file.rubric));
  if (artifacts.length > 0) {
    const root = proxiedArtifactRoot(run.run.info.artifact_uri);
    if (root === null) {
      note(
        `artifacts were not uploaded: the server keeps them at ${storeOf(run.run.info.artifact_uri)}, which only MLflow's own clients write; run the server with its artifact proxy (\`mlflow server --serve-artifacts\`, the default since MLflow 2.0)`,
      );
    } else {
      for (const artifact of artifacts)
        await http.putArtifact(root, artifact.path, artifact.content, artifact.type);
    }
  }
  const status =
    file.result === "grader_error" ? "FAILED" : file.result === "interrupted" ? "KILLED" : "FINISHED";
  await http.post("runs/update", { run_id: runId, status, end_time: Math.max(now(), started) });
}

/** A run's params, tags and metrics. */
function runData(
  report: Report,
  file: FileReport,
  timestamp: number,
): { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] } {
  const param = (key: string, value: string | null | undefined): KeyValue[] =>
    value === null || value === undefined || value === "" ? [] : [{ key, value: cutValue(value, 500) }];
  const tag = (key: string, value: string | null | undefined): KeyValue[] =>
    value === null || value === undefined
      ? []
      : [{ key: `rubric-gate.${key}`, value: cutValue(value, 5000) }];
  const judges = [
    ...new Set(file.iterations.flatMap((i) => i.calls.filter((c) => c.role === "judge").map((c) => c.model))),
  ];
  const writers = [
    ...new Set(
      file.iterations.flatMap((i) => i.calls.filter((c) => c.role === "writer").map((c) => c.model)),
    ),
  ];
  const params = [
    ...param("rubric", file.rubric),
    ...param("rubric_sha256", report.rubrics?.[file.rubric]?.sha256),
    ...param("content_sha256", file.iterations[0]?.content_sha256),
    ...param("judge", judges.join(",") || report.judge),
    ...param("writer", writers.join(",")),
    ...param("tool_version", report.tool.version),
  ];
  const tags = [
    ...tag("result", file.result),
    ...tag("stop_reason", file.stop_reason),
    ...tag("reason", file.reason),
    ...tag("gate", report.gate.status),
    ...tag("best_iteration", file.best_iteration === null ? null : String(file.best_iteration)),
    ...tag("changed", String(file.changed)),
    ...tag("run_started_at", report.started_at),
  ];
  const metrics: Metric[] = [];
  const metric = (key: string, value: number, step: number): void => {
    metrics.push({ key: mlflowKey(key), value, timestamp, step });
  };
  for (const iteration of file.iterations) {
    const step = iteration.index;
    if (iteration.score !== null) metric("score", iteration.score, step);
    for (const [id, v] of Object.entries(iteration.verdicts))
      metric(`criterion.${id}`, v.verdict === "pass" ? 1 : 0, step);
    metric("input_tokens", iteration.usage.input_tokens, step);
    metric("output_tokens", iteration.usage.output_tokens, step);
    metric("latency_ms", iteration.latency_ms, step);
  }
  if (file.best_score !== null) metric("best_score", file.best_score, 0);
  if (file.cost_usd !== null) metric("cost_usd", file.cost_usd, 0);
  return { metrics, params, tags };
}

interface Artifact {
  path: string;
  content: string;
  type: string;
}

function artifactsOf(file: FileReport, versions: readonly (string | null)[] | undefined): Artifact[] {
  const out: Artifact[] = [];
  for (const iteration of file.iterations) {
    const i = iteration.index;
    out.push({
      path: `iterations/${i}/verdicts.json`,
      content: `${JSON.stringify({ ...iteration, calls: undefined, call_count: iteration.calls.length }, null, 2)}\n`,
      type: "application/json",
    });
    if (iteration.diff)
      out.push({ path: `iterations/${i}/changes.diff`, content: iteration.diff, type: "text/x-diff" });
    const version = versions?.[i];
    if (typeof version === "string")
      out.push({ path: `iterations/${i}/version.txt`, content: version, type: "text/plain; charset=utf-8" });
  }
  return out;
}

/**
 * The path under the artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/…`) of a run whose
 * `artifact_uri` is `mlflow-artifacts:/0/<run>/artifacts` or `mlflow-artifacts://host:port/…`; null for
 * any other store (s3://, a local path), which the proxy does not front.
 */
export function proxiedArtifactRoot(artifactUri: string | undefined): string | null {
  if (!artifactUri?.startsWith("mlflow-artifacts:")) return null;
  let rest = artifactUri.slice("mlflow-artifacts:".length);
  if (rest.startsWith("//")) rest = rest.slice(2).replace(/^[^/]*/, "");
  const segments = rest.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === "..")) return null;
  return segments.join("/");
}

class MlflowHttp {
  requests = 0;
  artifacts = 0;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly target: MlflowTarget,
    private readonly options: ExportOptions,
  ) {
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async experiment(name: string): Promise<string> {
    const found = await this.call(
      "GET",
      `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      undefined,
      [404],
    );
    if (found.status === 200)
      return (found.body as { experiment: { experiment_id: string } }).experiment.experiment_id;
    const created = await this.call("POST", "experiments/create", { name }, [400]);
    if (created.status === 200) return (created.body as { experiment_id: string }).experiment_id;
    // Another exporter created it meanwhile (RESOURCE_ALREADY_EXISTS): use theirs.
    if ((created.body as { error_code?: string } | null)?.error_code === "RESOURCE_ALREADY_EXISTS") {
      const again = await this.call(
        "GET",
        `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      return (again.body as { experiment: { experiment_id: string } }).experiment.experiment_id;
    }
    throw this.failure("POST /api/2.0/mlflow/experiments/create", created.status, created.body);
  }

  async post<T>(method: string, body: unknown): Promise<T> {
    return (await this.call("POST", method, body)).body as T;
  }

  async putArtifact(root: string, path: string, content: string, type: string): Promise<void> {
    const segments = [...root.split("/"), ...path.split("/")].map(encodeURIComponent).join("/");
    await this.send(
      "PUT",
      `${this.target.base}/api/2.0/mlflow-artifacts/artifacts/${segments}`,
      content,
      type,
      `PUT artifact ${path}`,
    );
    this.artifacts++;
  }

  private async call(
    verb: "GET" | "POST",
    method: string,
    body?: unknown,
    accepted: number[] = [],
  ): Promise<{ status: number; body: unknown }> {
    const url = `${this.target.base}/api/2.0/mlflow/${method}`;
    const response = await this.send(
      verb,
      url,
      body === undefined ? undefined : JSON.stringify(body),
      "application/json",
      `${verb} /api/2.0/mlflow/${method.replace(/\?.*/, "")}`,
      accepted,
    );
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new MlflowError(
        `${verb} /api/2.0/mlflow/${method.replace(/\?.*/, "")}: the answer is not JSON (${cutValue(text, 200)})`,
      );
    }
    return { status: response.status, body: parsed };
  }

  private async send(
    verb: string,
    url: string,
    body: string | undefined,
    type: string,
    what: string,
    accepted: number[] = [],
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      let response: Response;
      try {
        response = await this.fetch(url, {
          method: verb,
          headers: { ...this.target.headers, ...(body === undefined ? {} : { "content-type": type }) },
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        throw new MlflowError(`${what}: ${this.target.shown} did not answer (${(error as Error).message})`, {
          cause: error,
        });
      }
      if (response.ok || accepted.includes(response.status)) return response;
      // 429 and 503 mean the request was not taken: try again, twice at most. Anything else might have
      // been partly written (MLflow says so of log-batch), and metrics would be logged twice.
      if ((response.status === 429 || response.status === 503) && attempt < 3) {
        await response.body?.cancel();
        await this.sleep(500 * attempt);
        continue;
      }
      const text = await response.text().catch(() => "");
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: shown as text
      }
      throw this.failure(what, response.status, parsed);
    }
  }

  private failure(what: string, status: number, body: unknown): MlflowError {
    const detail = errorDetail(body);
    const auth =
      status === 401 || status === 403
        ? " (check MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)"
        : "";
    return new MlflowError(
      `${what}: HTTP ${status} from ${this.target.shown}: ${cutValue(detail, 300)}${auth}`,
    );
  }
}

/** MLflow's error answer (`{error_code, message}`) as one line, or the raw answer cut short. */
function errorDetail(body: unknown): string {
  if (typeof body === "string") return cutValue(body, 300);
  if (body && typeof body === "object") {
    const { error_code: code, message } = body as { error_code?: unknown; message?: unknown };
    if (typeof message === "string") return `${typeof code === "string" ? `${code} ` : ""}${message}`;
    return cutValue(JSON.stringify(body), 300);
  }
  return "";
}

/** The kind of store an artifact URI names (`s3://…`), without the run's own path. */
function storeOf(uri: string | undefined): string {
  const scheme = /^([a-z][\w+.-]*):/i.exec(uri ?? "")?.[1];
  return scheme ? `${scheme}:…` : "a local path";
}
