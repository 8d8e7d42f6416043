/**
 * A local, in-memory GitHub REST API for tests. Every request is checked against GitHub's official
 * OpenAPI description (`@octokit/openapi`, trimmed to what is used: `test/fixtures/github/`): the operation by method and path template, the path and
 * query parameters, and the JSON body against the operation's request schema. A request that does not
 * conform is answered 422 (404 when no operation matches) and recorded in `violations`. Answers are
 * GitHub-shaped (and themselves checked against the response schemas, into `responseViolations`).
 * With `gitDir`, the Git Data endpoints (blobs, trees, commits, refs) are a real bare repository on
 * disk, with GitHub's rule that a ref update without `force` must be a fast-forward.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { IMPLEMENTED_OPERATIONS } from "./github/operations.js";
import { GitDataError, openGitData, type CommitObject, type GitData } from "./git-data.js";

// ---------------------------------------------------------------------------------------------------
// The OpenAPI description: loaded once per process, routes and validators built lazily and cached.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaNode = Record<string, unknown>;

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: SchemaNode;
  "x-multi-segment"?: boolean;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaNode }> };
  responses?: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  paramNames: string[];
  literalSegments: number;
  operation: Operation;
}

interface OpenApi {
  routes: Route[];
  requestAjv: Ajv;
  paramAjv: Ajv;
  validators: Map<string, ValidateFunction>;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
const CACHE_KEY = Symbol.for("rubric-gate.test.github-openapi");
const require = createRequire(import.meta.url);

/** A real pull request object (from @octokit/webhooks-examples) that `pulls/*` answers are made from. */
function pullTemplate(): Record<string, unknown> {
  const examples = require("@octokit/webhooks-examples") as Array<{
    name: string;
    examples: Array<Record<string, unknown>>;
  }>;
  const opened = examples
    .find((d) => d.name === "pull_request")
    ?.examples.find((e) => e["action"] === "opened");
  return structuredClone(opened?.["pull_request"] as Record<string, unknown>);
}

/**
 * Loads and indexes the trimmed description once per process: GitHub's routes and parameters, and
 * the schemas of the operations this server implements (`npm run openapi` regenerates it).
 */
function loadOpenApi(): Promise<OpenApi> {
  const holder = globalThis as unknown as Record<symbol, Promise<OpenApi> | undefined>;
  holder[CACHE_KEY] ??= (async () => {
    const text = await readFile(new URL("../fixtures/github/openapi.json", import.meta.url), "utf8");
    const spec = JSON.parse(text) as { paths: Record<string, Record<string, Operation>> };
    const routes: Route[] = [];
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation === undefined) continue;
        const multi = new Set(
          (operation.parameters ?? []).filter((p) => p["x-multi-segment"] === true).map((p) => p.name),
        );
        const paramNames: string[] = [];
        let literalSegments = 0;
        const source = template
          .split("/")
          .map((segment) =>
            segment.replace(/\{([^}]+)\}|[^{]+/g, (part, name: string | undefined) => {
              if (name === undefined) {
                literalSegments += 1;
                return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
              }
              paramNames.push(name);
              return multi.has(name) ? "(.+)" : "([^/]+)";
            }),
          )
          .join("/");
        routes.push({
          method: method.toUpperCase(),
          template,
          regex: new RegExp(`^${source}$`),
          paramNames,
          literalSegments,
          operation,
        });
      }
    }
    // The most literal template wins: `/issues/comments/{id}` before `/issues/{issue_number}/…`.
    routes.sort((a, b) => b.literalSegments - a.literalSegments);
    return {
      routes,
      requestAjv: makeAjv(false),
      paramAjv: makeAjv(true),
      validators: new Map(),
    };
  })();
  return holder[CACHE_KEY];
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: coerce, validateFormats: true });
  ajv.addFormat("date-time", DATE_TIME);
  ajv.addFormat("date", /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat("uri", /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
  ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
  return ajv;
}

/** OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a `null` type; unknown formats are accepted. */
function toJsonSchema(node: unknown, ajv: Ajv): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, ajv));
  if (typeof node !== "object" || node === null) return node;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "example" || key === "examples" || key === "description" || key.startsWith("x-")) continue;
    out[key] =
      key === "properties" || key === "patternProperties" ? mapValues(value, ajv) : toJsonSchema(value, ajv);
  }
  if (typeof out["format"] === "string" && ajv.formats[out["format"]] === undefined)
    ajv.addFormat(out["format"], true);
  if (out["nullable"] !== true) return out;
  delete out["nullable"];
  if (typeof out["type"] === "string") {
    out["type"] = [out["type"], "null"];
    if (Array.isArray(out["enum"])) out["enum"] = [...(out["enum"] as unknown[]), null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

function mapValues(value: unknown, ajv: Ajv): unknown {
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, ajv)]));
}

function validatorFor(
  api: OpenApi,
  key: string,
  build: () => { schema: unknown; ajv: Ajv },
): ValidateFunction {
  let validate = api.validators.get(key);
  if (validate === undefined) {
    const { schema, ajv } = build();
    validate = ajv.compile(toJsonSchema(schema, ajv) as SchemaNode);
    api.validators.set(key, validate);
  }
  return validate;
}

function describeErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const at = `${where}${error.instancePath}`;
    const params = error.keyword === "enum" ? ` (${JSON.stringify(error.params)})` : "";
    return `${at} ${error.message ?? error.keyword}${params}`;
  });
}

function paramsSchema(parameters: Parameter[]): SchemaNode {
  return {
    type: "object",
    properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema ?? {}])),
    required: parameters.filter((p) => p.required === true).map((p) => p.name),
  };
}

// ---------------------------------------------------------------------------------------------------
// Public API

export interface SeedPullFile {
  filename: string;
  status?: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  previous_filename?: string;
  /** Unified diff hunks; review comments must then sit on a line of the diff. */
  patch?: string;
  additions?: number;
  deletions?: number;
}

export interface Account {
  login: string;
  id: number;
  type: "Bot" | "User";
}

export interface GitHubServerOptions {
  owner: string;
  repo: string;
  /** Files of pull requests by number; every key is an open pull request. */
  pullFiles?: Record<number, SeedPullFile[]>;
  /** Head SHA of the seeded pull requests. */
  headSha?: string;
  /** The account the token belongs to (default `github-actions[bot]`). */
  viewer?: Account;
  /** `false` answers check-run writes 403, like a token without `checks: write`. */
  checksWritable?: boolean;
  /** Branches and their head SHAs (`git/get-ref`). */
  refs?: Record<string, string>;
  /** File contents on the default branch (`repos/get-content`). */
  contents?: Record<string, string>;
  /** File contents at given commits (`repos/get-content?ref=SHA`, `git/get-tree`). */
  contentsAt?: Record<string, Record<string, string>>;
  /** Also check answers against the response schemas (default true). */
  validateResponses?: boolean;
  /**
   * A bare git repository behind the Git Data endpoints (blobs, trees, commits, refs), and behind
   * `repos/get-content` and `git/get-tree` for commits the seeds do not name. Pull requests created
   * through the API take their head SHA from it.
   */
  gitDir?: string;
}

/** A pull request created through the API (`pulls/create`). */
export interface StoredPull {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  head: string;
  base: string;
  user: Account;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface CapturedRequest {
  method: string;
  path: string;
  operationId: string | null;
  query: Record<string, string>;
  body: unknown;
  /** The `authorization` header as sent. */
  authorization: string | undefined;
  status: number;
}

export interface Violation {
  method: string;
  path: string;
  operationId: string | null;
  errors: string[];
}

export interface StoredAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: string;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface StoredCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: StoredAnnotation[];
}

export interface StoredIssue {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  user: Account;
  is_pull_request: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface StoredComment {
  id: number;
  issue_number: number;
  body: string;
  user: Account;
  created_at: string;
  updated_at: string;
}

export interface StoredReview {
  id: number;
  pull_number: number;
  body: string;
  state: "PENDING" | "COMMENTED" | "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED";
  commit_id: string;
  user: Account;
  submitted_at: string | null;
}

export interface StoredReviewComment {
  id: number;
  pull_number: number;
  review_id: number;
  path: string;
  body: string;
  line: number | null;
  start_line: number | null;
  side: "LEFT" | "RIGHT";
  commit_id: string;
  user: Account;
  created_at: string;
  updated_at: string;
}

export interface GitHubState {
  checkRuns: StoredCheckRun[];
  issues: StoredIssue[];
  issueComments: StoredComment[];
  pullFiles: Map<number, SeedPullFile[]>;
  reviews: StoredReview[];
  reviewComments: StoredReviewComment[];
  refs: Map<string, string>;
  contents: Map<string, string>;
  contentsAt: Map<string, Map<string, string>>;
  pulls: StoredPull[];
}

export interface InjectedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get this answer (default 1). */
  times?: number;
}

export interface GitHubServer {
  url: string;
  requests: CapturedRequest[];
  violations: Violation[];
  responseViolations: Violation[];
  state: GitHubState;
  /** Answers the next matching requests (after validation) with this response: rate limits, 5xx, 403. */
  failNext(operationId: string, response: InjectedResponse): void;
  /** Adds a comment written by someone else (default a human). */
  addIssueComment(issueNumber: number, body: string, user?: Account): StoredComment;
  /** Adds an issue (e.g. an old rolling issue). */
  addIssue(issue: Partial<StoredIssue> & { title: string }): StoredIssue;
  /** Runs `action` when a request for the operation arrives, after validation and before it is answered (races). */
  beforeOperation(operationId: string, action: () => void): void;
  close(): Promise<void>;
}

export const ACTIONS_BOT: Account = { login: "github-actions[bot]", id: 41898282, type: "Bot" };
export const HUMAN: Account = { login: "octocat", id: 583231, type: "User" };

/** Starts the fake GitHub on 127.0.0.1 with a free port. */
export async function startGitHubServer(options: GitHubServerOptions): Promise<GitHubServer> {
  const api = await loadOpenApi();
  const viewer = options.viewer ?? ACTIONS_BOT;
  const headSha = options.headSha ?? "0123456789abcdef0123456789abcdef01234567";
  const requests: CapturedRequest[] = [];
  const violations: Violation[] = [];
  const responseViolations: Violation[] = [];
  const injected: { operationId: string; response: InjectedResponse; left: number }[] = [];
  const state: GitHubState = {
    checkRuns: [],
    issues: [],
    issueComments: [],
    pullFiles: new Map(Object.entries(options.pullFiles ?? {}).map(([n, files]) => [Number(n), files])),
    reviews: [],
    reviewComments: [],
    refs: new Map(Object.entries(options.refs ?? {})),
    contents: new Map(Object.entries(options.contents ?? {})),
    contentsAt: new Map(
      Object.entries(options.contentsAt ?? {}).map(([sha, files]) => [sha, new Map(Object.entries(files))]),
    ),
    pulls: [],
  };
  const gitData: GitData | undefined = options.gitDir === undefined ? undefined : openGitData(options.gitDir);
  const hooks: { operationId: string; action: () => void }[] = [];
  let nextId = 1000;
  const labelIds = new Map<string, number>();
  let rateRemaining = 5000;
  const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

  for (const number of [...state.pullFiles.keys()].sort((a, b) => a - b)) {
    state.issues.push(newIssue({ number, title: `Pull request #${number}`, is_pull_request: true }));
  }

  function newIssue(seed: Partial<StoredIssue> & { title: string }): StoredIssue {
    const number = seed.number ?? Math.max(0, ...state.issues.map((i) => i.number)) + 1;
    const created = now();
    return {
      number,
      title: seed.title,
      body: seed.body ?? null,
      state: seed.state ?? "open",
      state_reason: seed.state_reason ?? null,
      labels: seed.labels ?? [],
      user: seed.user ?? HUMAN,
      is_pull_request: seed.is_pull_request ?? false,
      created_at: seed.created_at ?? created,
      updated_at: seed.updated_at ?? created,
      closed_at: seed.closed_at ?? null,
    };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString("utf8"));
      } catch (error) {
        send(res, 500, { message: `test server error: ${String(error)}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const repoPath = `/repos/${options.owner}/${options.repo}`;
  const htmlRepo = `https://github.com/${options.owner}/${options.repo}`;

  function send(
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void {
    rateRemaining = Math.max(0, rateRemaining - 1);
    const reset = Math.floor(Date.now() / 1000) + 3600;
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": `FAKE:${requests.length}`,
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(rateRemaining),
      "x-ratelimit-reset": String(reset),
      "x-ratelimit-used": String(5000 - rateRemaining),
      "x-ratelimit-resource": "core",
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", base);
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    let body: unknown = undefined;
    const captured: CapturedRequest = {
      method,
      path,
      operationId: null,
      query,
      body,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(captured);
    const reply = (status: number, payload?: unknown, headers?: Record<string, string>): void => {
      captured.status = status;
      send(res, status, payload, headers);
    };
    const reject = (status: number, message: string, errors: string[]): void => {
      violations.push({ method, path, operationId: captured.operationId, errors });
      reply(status, {
        message,
        errors,
        documentation_url: "https://docs.github.com/rest",
        status: String(status),
      });
    };

    let match: { route: Route; params: Record<string, string> } | undefined;
    for (const route of api.routes) {
      if (route.method !== method) continue;
      const found = route.regex.exec(path);
      if (found === null) continue;
      const params = Object.fromEntries(
        route.paramNames.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? "")]),
      );
      match = { route, params };
      break;
    }
    if (match === undefined) {
      reject(404, "Not Found", [`no operation of the OpenAPI description matches ${method} ${path}`]);
      return;
    }
    const { route, params } = match;
    const { operation } = route;
    captured.operationId = operation.operationId;

    if (raw !== "") {
      try {
        body = JSON.parse(raw) as unknown;
        captured.body = body;
      } catch {
        reject(400, "Problems parsing JSON", ["the body is not JSON"]);
        return;
      }
    }

    const errors: string[] = [];
    const declared = operation.parameters ?? [];
    const pathParams = declared.filter((p) => p.in === "path");
    const pathValues: Record<string, unknown> = { ...params };
    const validatePath = validatorFor(api, `${operation.operationId}:path`, () => ({
      schema: paramsSchema(pathParams),
      ajv: api.paramAjv,
    }));
    if (!validatePath(pathValues)) errors.push(...describeErrors("path", validatePath.errors));

    const queryParams = declared.filter((p) => p.in === "query");
    const known = new Set(queryParams.map((p) => p.name));
    for (const name of Object.keys(query)) {
      if (!known.has(name)) errors.push(`query: unknown parameter "${name}"`);
    }
    const queryValues: Record<string, unknown> = { ...query };
    const validateQuery = validatorFor(api, `${operation.operationId}:query`, () => ({
      schema: paramsSchema(queryParams),
      ajv: api.paramAjv,
    }));
    if (!validateQuery(queryValues)) errors.push(...describeErrors("query", validateQuery.errors));

    const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
    if (bodySchema !== undefined) {
      if (body === undefined) {
        if (operation.requestBody?.required === true) errors.push("body: a JSON body is required");
      } else {
        const validateBody = validatorFor(api, `${operation.operationId}:body`, () => ({
          schema: bodySchema,
          ajv: api.requestAjv,
        }));
        if (!validateBody(body)) errors.push(...describeErrors("body", validateBody.errors));
      }
    }
    if (errors.length === 0) errors.push(...documentedLimits(operation.operationId, body));
    if (errors.length > 0) {
      reject(422, "Invalid request.", errors);
      return;
    }

    if (
      params["owner"]?.toLowerCase() !== options.owner.toLowerCase() ||
      params["repo"]?.toLowerCase() !== options.repo.toLowerCase()
    ) {
      reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
      return;
    }

    const injection = injected.find((entry) => entry.operationId === operation.operationId && entry.left > 0);
    if (injection !== undefined) {
      injection.left -= 1;
      reply(
        injection.response.status,
        injection.response.body ?? { message: "injected" },
        injection.response.headers,
      );
      return;
    }

    for (const hook of hooks.filter((h) => h.operationId === operation.operationId)) hook.action();
    const handler = handlers[operation.operationId];
    if (handler === undefined) {
      reply(404, { message: `${operation.operationId} is not implemented by the test server` });
      return;
    }
    const result = runHandler(handler, {
      params: pathValues,
      query: queryValues,
      body: (body ?? {}) as Record<string, unknown>,
      url,
    });
    if (result.status === 422 && result.refusal !== true) {
      const details = (result.body as { errors?: string[] } | undefined)?.errors ?? [];
      violations.push({ method, path, operationId: operation.operationId, errors: details });
    }
    if (options.validateResponses !== false && result.status < 300 && result.body !== undefined) {
      const schema = operation.responses?.[String(result.status)]?.content?.["application/json"]?.schema;
      if (schema === undefined) {
        responseViolations.push({
          method,
          path,
          operationId: operation.operationId,
          errors: [`no ${result.status} response in the description`],
        });
      } else {
        const validateResponse = validatorFor(
          api,
          `${operation.operationId}:response:${result.status}`,
          () => ({
            schema,
            ajv: api.requestAjv,
          }),
        );
        if (!validateResponse(result.body)) {
          responseViolations.push({
            method,
            path,
            operationId: operation.operationId,
            errors: describeErrors("response", validateResponse.errors),
          });
        }
      }
    }
    reply(result.status, result.body, result.headers);
  }

  // -------------------------------------------------------------------------------------------------
  // GitHub's documented limits that the schema does not carry.

  function documentedLimits(operationId: string, body: unknown): string[] {
    const errors: string[] = [];
    const b = (body ?? {}) as Record<string, unknown>;
    if (operationId === "checks/create" || operationId === "checks/update") {
      const output = b["output"] as { title?: unknown; annotations?: StoredAnnotation[] } | undefined;
      if (output !== undefined && typeof output.title !== "string")
        errors.push("body/output/title is required");
      for (const [i, a] of (output?.annotations ?? []).entries()) {
        const at = `body/output/annotations/${i}`;
        if (a.start_line < 1) errors.push(`${at}/start_line must be at least 1`);
        if (a.end_line < a.start_line) errors.push(`${at}/end_line must not be before start_line`);
        if ((a.start_column !== undefined || a.end_column !== undefined) && a.start_line !== a.end_line) {
          errors.push(`${at}: columns are only allowed when start_line equals end_line`);
        }
        if (a.title !== undefined && a.title.length > 255)
          errors.push(`${at}/title is longer than 255 characters`);
        if (Buffer.byteLength(a.message) > 65_536) errors.push(`${at}/message is larger than 64 KB`);
        if (a.raw_details !== undefined && Buffer.byteLength(a.raw_details) > 65_536) {
          errors.push(`${at}/raw_details is larger than 64 KB`);
        }
      }
    }
    if (
      operationId === "pulls/create-review" &&
      (b["event"] === "COMMENT" || b["event"] === "REQUEST_CHANGES") &&
      (typeof b["body"] !== "string" || b["body"] === "") &&
      (!Array.isArray(b["comments"]) || b["comments"].length === 0)
    ) {
      errors.push("body/body is required when the event is COMMENT or REQUEST_CHANGES without comments");
    }
    if (
      /^issues\/(create|update|create-comment|update-comment)$/.test(operationId) ||
      /^pulls\/create-review/.test(operationId)
    ) {
      if (typeof b["body"] === "string" && b["body"].length > 65_536) {
        errors.push("body/body is too long (maximum is 65536 characters)");
      }
    }
    if (
      /^issues\/(create|update)$/.test(operationId) &&
      typeof b["title"] === "string" &&
      b["title"].length > 256
    ) {
      errors.push("body/title is too long (maximum is 256 characters)");
    }
    return errors;
  }

  // -------------------------------------------------------------------------------------------------
  // Response shapes.

  function userJson(user: Account): Json {
    const url = `${base}/users/${encodeURIComponent(user.login)}`;
    return {
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
      gravatar_id: "",
      url,
      html_url: `https://github.com/${encodeURIComponent(user.login)}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: user.type,
      user_view_type: "public",
      site_admin: false,
    };
  }

  function checkRunJson(run: StoredCheckRun): Json {
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      external_id: run.external_id ?? "",
      url: `${base}${repoPath}/check-runs/${run.id}`,
      html_url: `${htmlRepo}/runs/${run.id}`,
      details_url: run.details_url ?? `${htmlRepo}/runs/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at,
      completed_at: run.completed_at,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.annotations.length,
        annotations_url: `${base}${repoPath}/check-runs/${run.id}/annotations`,
      },
      name: run.name,
      check_suite: { id: 5000 + run.id },
      app: {
        id: 15368,
        slug: "github-actions",
        node_id: "MDM6QXBwMTUzNjg=",
        owner: userJson({ login: "github", id: 9919, type: "User" }),
        name: "GitHub Actions",
        description: "Automate your workflow from idea to production",
        external_url: "https://help.github.com/en/actions",
        html_url: "https://github.com/apps/github-actions",
        created_at: "2018-07-30T09:30:17Z",
        updated_at: "2019-12-10T19:04:12Z",
        permissions: { checks: "write", contents: "write", issues: "write", metadata: "read" },
        events: ["check_run", "pull_request", "push"],
      },
      pull_requests: [],
    };
  }

  function labelJson(name: string): Json {
    const id = labelIds.get(name) ?? 7000 + labelIds.size;
    labelIds.set(name, id);
    return {
      id,
      node_id: `LA_${id}`,
      url: `${base}${repoPath}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: "ededed",
      default: false,
    };
  }

  function issueJson(issue: StoredIssue): Json {
    const url = `${base}${repoPath}/issues/${issue.number}`;
    const kind = issue.is_pull_request ? "pull" : "issues";
    const json: { [key: string]: Json } = {
      id: 90_000 + issue.number,
      node_id: `I_${issue.number}`,
      url,
      repository_url: `${base}${repoPath}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${htmlRepo}/${kind}/${issue.number}`,
      number: issue.number,
      state: issue.state,
      state_reason: issue.state_reason,
      title: issue.title,
      body: issue.body,
      user: userJson(issue.user),
      labels: issue.labels.map(labelJson),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: state.issueComments.filter((c) => c.issue_number === issue.number).length,
      closed_at: issue.closed_at,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      author_association: issue.user.type === "Bot" ? "NONE" : "OWNER",
    };
    if (issue.is_pull_request) {
      json["pull_request"] = {
        url: `${base}${repoPath}/pulls/${issue.number}`,
        html_url: `${htmlRepo}/pull/${issue.number}`,
        diff_url: `${htmlRepo}/pull/${issue.number}.diff`,
        patch_url: `${htmlRepo}/pull/${issue.number}.patch`,
        merged_at: null,
      };
    }
    return json;
  }

  function commentJson(comment: StoredComment): Json {
    const issue = state.issues.find((i) => i.number === comment.issue_number);
    const kind = issue?.is_pull_request === true ? "pull" : "issues";
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${base}${repoPath}/issues/comments/${comment.id}`,
      html_url: `${htmlRepo}/${kind}/${comment.issue_number}#issuecomment-${comment.id}`,
      issue_url: `${base}${repoPath}/issues/${comment.issue_number}`,
      body: comment.body,
      user: userJson(comment.user),
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      author_association: comment.user.type === "Bot" ? "NONE" : "OWNER",
    };
  }

  function needGit(): GitData {
    if (gitData === undefined)
      throw new GitDataError(404, "this test server has no git repository (option gitDir)");
    return gitData;
  }

  function refJson(ref: string, sha: string): Json {
    return {
      ref,
      node_id: `REF_${ref}`,
      url: `${base}${repoPath}/git/${ref}`,
      object: { type: "commit", sha, url: `${base}${repoPath}/git/commits/${sha}` },
    };
  }

  function commitJson(commit: CommitObject): Json {
    return {
      sha: commit.sha,
      node_id: `C_${commit.sha}`,
      url: `${base}${repoPath}/git/commits/${commit.sha}`,
      html_url: `${htmlRepo}/commit/${commit.sha}`,
      author: { ...commit.author },
      committer: { ...commit.committer },
      message: commit.message,
      tree: { sha: commit.tree, url: `${base}${repoPath}/git/trees/${commit.tree}` },
      parents: commit.parents.map((sha) => ({
        sha,
        url: `${base}${repoPath}/git/commits/${sha}`,
        html_url: `${htmlRepo}/commit/${sha}`,
      })),
      verification: {
        verified: false,
        reason: "unsigned",
        signature: null,
        payload: null,
        verified_at: null,
      },
    };
  }

  function pullJson(pull: StoredPull): Json {
    const json = structuredClone(pullTemplate());
    const url = `${base}${repoPath}/pulls/${pull.number}`;
    const issueUrl = `${base}${repoPath}/issues/${pull.number}`;
    const html = `${htmlRepo}/pull/${pull.number}`;
    const side = (ref: string): Record<string, unknown> => {
      const template = json[ref === pull.head ? "head" : "base"] as Record<string, unknown>;
      const sha = gitData?.resolve(`refs/heads/${ref}`) ?? headSha;
      return { ...template, label: `${options.owner}:${ref}`, ref, sha };
    };
    Object.assign(json, {
      url,
      id: 80_000 + pull.number,
      node_id: `PR_${pull.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueUrl,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      user: userJson(pull.user),
      created_at: pull.created_at,
      updated_at: pull.updated_at,
      closed_at: pull.closed_at,
      merged_at: null,
      merge_commit_sha: null,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${base}${repoPath}/pulls/comments{/number}`,
      comments_url: `${issueUrl}/comments`,
      head: side(pull.head),
      base: side(pull.base),
      author_association: pull.user.type === "Bot" ? "NONE" : "OWNER",
      merged: false,
      mergeable: null,
      mergeable_state: "unknown",
      merged_by: null,
      auto_merge: null,
    });
    return json as Json;
  }

  function reviewJson(review: StoredReview): Json {
    const html = `${htmlRepo}/pull/${review.pull_number}#pullrequestreview-${review.id}`;
    const pr = `${base}${repoPath}/pulls/${review.pull_number}`;
    return {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: userJson(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pr,
      _links: { html: { href: html }, pull_request: { href: pr } },
      ...(review.submitted_at === null ? {} : { submitted_at: review.submitted_at }),
      commit_id: review.commit_id,
      author_association: "NONE",
    };
  }

  function reviewCommentJson(comment: StoredReviewComment): Json {
    const url = `${base}${repoPath}/pulls/comments/${comment.id}`;
    const html = `${htmlRepo}/pull/${comment.pull_number}#discussion_r${comment.id}`;
    const pr = `${base}${repoPath}/pulls/${comment.pull_number}`;
    const file = state.pullFiles.get(comment.pull_number)?.find((f) => f.filename === comment.path);
    return {
      url,
      pull_request_review_id: comment.review_id,
      id: comment.id,
      node_id: `PRRC_${comment.id}`,
      diff_hunk: file?.patch ?? "",
      path: comment.path,
      commit_id: comment.commit_id,
      original_commit_id: comment.commit_id,
      user: userJson(comment.user),
      body: comment.body,
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      html_url: html,
      pull_request_url: pr,
      author_association: "NONE",
      _links: { self: { href: url }, html: { href: html }, pull_request: { href: pr } },
      start_line: comment.start_line,
      original_start_line: comment.start_line,
      start_side: comment.start_line === null ? null : comment.side,
      line: comment.line ?? undefined,
      original_line: comment.line ?? undefined,
      side: comment.side,
      subject_type: comment.line === null ? "file" : "line",
    } as Json;
  }

  function pullFileJson(file: SeedPullFile, sha: string): Json {
    const additions = file.additions ?? file.patch?.split("\n").filter((l) => l.startsWith("+")).length ?? 0;
    const deletions = file.deletions ?? file.patch?.split("\n").filter((l) => l.startsWith("-")).length ?? 0;
    const json: { [key: string]: Json } = {
      sha: "f".repeat(40),
      filename: file.filename,
      status: file.status ?? "modified",
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${htmlRepo}/blob/${sha}/${file.filename}`,
      raw_url: `${htmlRepo}/raw/${sha}/${file.filename}`,
      contents_url: `${base}${repoPath}/contents/${file.filename}?ref=${sha}`,
    };
    if (file.patch !== undefined) json["patch"] = file.patch;
    if (file.previous_filename !== undefined) json["previous_filename"] = file.previous_filename;
    return json;
  }

  // -------------------------------------------------------------------------------------------------
  // Operations.

  interface Context {
    params: Record<string, unknown>;
    query: Record<string, unknown>;
    body: Record<string, unknown>;
    url: URL;
  }
  interface Result {
    status: number;
    body?: Json;
    headers?: Record<string, string>;
    /** GitHub's legitimate refusal (e.g. a ref update that is not a fast-forward), not a client mistake. */
    refusal?: boolean;
  }

  function runHandler(handler: (ctx: Context) => Result, ctx: Context): Result {
    try {
      return handler(ctx);
    } catch (error) {
      if (!(error instanceof GitDataError)) throw error;
      return {
        status: error.status,
        body: {
          message: error.message,
          documentation_url: "https://docs.github.com/rest/git",
          status: String(error.status),
        },
        refusal: true,
      };
    }
  }

  const notFound: Result = {
    status: 404,
    body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
  };
  const forbidden = (doc: string): Result => ({
    status: 403,
    body: { message: "Resource not accessible by integration", documentation_url: doc, status: "403" },
  });
  // Rules GitHub enforces beyond the schema (e.g. a review comment off the diff); recorded as violations.
  const unprocessable = (...errors: string[]): Result => ({
    status: 422,
    body: {
      message: "Unprocessable Entity",
      errors,
      documentation_url: "https://docs.github.com/rest",
      status: "422",
    },
  });

  /** A page of a list, with GitHub's `Link` header (per_page ≤ 100, default 30). */
  function paginate<T>(ctx: Context, items: T[], toJson: (item: T) => Json, cap = Infinity): Result {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query["per_page"] ?? 30)));
    const page = Math.max(1, Number(ctx.query["page"] ?? 1));
    const total = Math.min(items.length, cap);
    const last = Math.max(1, Math.ceil(total / perPage));
    const slice = items.slice((page - 1) * perPage, Math.min(page * perPage, total));
    const link = (n: number, rel: string): string => {
      const next = new URL(ctx.url.href);
      next.searchParams.set("per_page", String(perPage));
      next.searchParams.set("page", String(n));
      return `<${next.href}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link(page - 1, "prev"), link(1, "first")] : []),
      ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
    ];
    return {
      status: 200,
      body: slice.map(toJson),
      headers: links.length > 0 ? { link: links.join(", ") } : {},
    };
  }

  function findIssue(ctx: Context): StoredIssue | undefined {
    return state.issues.find((issue) => issue.number === ctx.params["issue_number"]);
  }

  function applyCheckRun(run: StoredCheckRun, body: Record<string, unknown>): void {
    if (typeof body["name"] === "string") run.name = body["name"];
    if (typeof body["details_url"] === "string") run.details_url = body["details_url"];
    if (typeof body["external_id"] === "string") run.external_id = body["external_id"];
    if (typeof body["started_at"] === "string") run.started_at = body["started_at"];
    if (typeof body["status"] === "string") run.status = body["status"];
    if (typeof body["conclusion"] === "string") {
      run.conclusion = body["conclusion"];
      run.status = "completed";
    }
    if (run.status === "completed")
      run.completed_at =
        typeof body["completed_at"] === "string" ? body["completed_at"] : (run.completed_at ?? now());
    const output = body["output"] as
      { title?: string; summary?: string; text?: string; annotations?: StoredAnnotation[] } | undefined;
    if (output !== undefined) {
      if (output.title !== undefined) run.output.title = output.title;
      if (output.summary !== undefined) run.output.summary = output.summary;
      if (output.text !== undefined) run.output.text = output.text;
      run.annotations.push(...(output.annotations ?? []));
    }
  }

  /** Lines a review comment may sit on: for each side, the lines the diff shows. */
  function diffLines(patch: string): { LEFT: Set<number>; RIGHT: Set<number> } {
    const lines = { LEFT: new Set<number>(), RIGHT: new Set<number>() };
    let left = 0;
    let right = 0;
    for (const line of patch.split("\n")) {
      const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (hunk !== null) {
        left = Number(hunk[1]);
        right = Number(hunk[2]);
      } else if (line.startsWith("+")) {
        lines.RIGHT.add(right++);
      } else if (line.startsWith("-")) {
        lines.LEFT.add(left++);
      } else if (!line.startsWith("\\")) {
        lines.LEFT.add(left++);
        lines.RIGHT.add(right++);
      }
    }
    return lines;
  }

  interface DraftComment {
    path: string;
    body: string;
    line?: number;
    start_line?: number;
    side?: "LEFT" | "RIGHT";
    position?: number;
  }

  function checkReviewComment(pullNumber: number, comment: DraftComment): string | undefined {
    const file = state.pullFiles.get(pullNumber)?.find((f) => f.filename === comment.path);
    if (file === undefined) return `Path could not be resolved: ${comment.path}`;
    if (comment.line === undefined || file.patch === undefined) return undefined;
    const patch = file.patch;
    const shown = diffLines(patch)[comment.side ?? "RIGHT"];
    if (!shown.has(comment.line)) return `Line could not be resolved: ${comment.path}:${comment.line}`;
    if (comment.start_line !== undefined) {
      if (comment.start_line >= comment.line) return "start_line must precede line";
      if (!shown.has(comment.start_line))
        return `Start line could not be resolved: ${comment.path}:${comment.start_line}`;
      const side = comment.side ?? "RIGHT";
      const hunk = (line: number): number =>
        hunkRanges(patch)[side].findIndex(([from, to]) => from <= line && line <= to);
      if (hunk(comment.start_line) !== hunk(comment.line)) {
        return "pull_request_review_thread.start_line must be part of the same hunk as the line.";
      }
    }
    return undefined;
  }

  /** Per side, the line range each hunk of a patch shows. */
  function hunkRanges(patch: string): { LEFT: Array<[number, number]>; RIGHT: Array<[number, number]> } {
    const ranges = { LEFT: [] as Array<[number, number]>, RIGHT: [] as Array<[number, number]> };
    let left = 0;
    let right = 0;
    for (const line of patch.split("\n")) {
      const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (hunk !== null) {
        left = Number(hunk[1]);
        right = Number(hunk[2]);
        ranges.LEFT.push([left, left - 1]);
        ranges.RIGHT.push([right, right - 1]);
        continue;
      }
      const l = ranges.LEFT.at(-1);
      const r = ranges.RIGHT.at(-1);
      if (l === undefined || r === undefined || line.startsWith("\\")) continue;
      if (!line.startsWith("+")) l[1] = left++;
      if (!line.startsWith("-")) r[1] = right++;
    }
    return ranges;
  }

  function storeReviewComment(
    pullNumber: number,
    reviewId: number,
    commitId: string,
    draft: DraftComment,
  ): StoredReviewComment {
    const created = now();
    const comment: StoredReviewComment = {
      id: nextId++,
      pull_number: pullNumber,
      review_id: reviewId,
      path: draft.path,
      body: draft.body,
      line: draft.line ?? null,
      start_line: draft.start_line ?? null,
      side: draft.side ?? "RIGHT",
      commit_id: commitId,
      user: viewer,
      created_at: created,
      updated_at: created,
    };
    state.reviewComments.push(comment);
    return comment;
  }

  const checksDoc = "https://docs.github.com/rest/checks/runs";
  const handlers: Record<string, ((ctx: Context) => Result) | undefined> = {
    "checks/create": (ctx) => {
      if (options.checksWritable === false) return forbidden(`${checksDoc}#create-a-check-run`);
      const run: StoredCheckRun = {
        id: nextId++,
        name: "",
        head_sha: String(ctx.body["head_sha"]),
        status: "queued",
        conclusion: null,
        started_at: now(),
        completed_at: null,
        details_url: null,
        external_id: null,
        output: { title: null, summary: null, text: null },
        annotations: [],
      };
      applyCheckRun(run, ctx.body);
      state.checkRuns.push(run);
      return { status: 201, body: checkRunJson(run) };
    },
    "checks/update": (ctx) => {
      if (options.checksWritable === false) return forbidden(`${checksDoc}#update-a-check-run`);
      const run = state.checkRuns.find((r) => r.id === ctx.params["check_run_id"]);
      if (run === undefined) return notFound;
      applyCheckRun(run, ctx.body);
      return { status: 200, body: checkRunJson(run) };
    },
    "checks/get": (ctx) => {
      const run = state.checkRuns.find((r) => r.id === ctx.params["check_run_id"]);
      return run === undefined ? notFound : { status: 200, body: checkRunJson(run) };
    },
    "checks/list-annotations": (ctx) => {
      const run = state.checkRuns.find((r) => r.id === ctx.params["check_run_id"]);
      if (run === undefined) return notFound;
      return paginate(ctx, run.annotations, (a) => ({
        path: a.path,
        start_line: a.start_line,
        end_line: a.end_line,
        start_column: a.start_column ?? null,
        end_column: a.end_column ?? null,
        annotation_level: a.annotation_level,
        title: a.title ?? null,
        message: a.message,
        raw_details: a.raw_details ?? null,
        blob_href: `${htmlRepo}/blob/${run.head_sha}/${a.path}`,
      }));
    },
    "checks/list-for-ref": (ctx) => {
      const ref = String(ctx.params["ref"]);
      const sha = state.refs.get(ref.replace(/^(refs\/)?heads\//, "")) ?? ref;
      let runs = state.checkRuns.filter((r) => r.head_sha === sha);
      if (typeof ctx.query["check_name"] === "string")
        runs = runs.filter((r) => r.name === ctx.query["check_name"]);
      if (typeof ctx.query["status"] === "string")
        runs = runs.filter((r) => r.status === ctx.query["status"]);
      if (ctx.query["filter"] !== "all") {
        runs = runs.filter((r) => !runs.some((other) => other.name === r.name && other.id > r.id));
      }
      const page = paginate(ctx, [...runs].reverse(), checkRunJson);
      return { ...page, body: { total_count: runs.length, check_runs: page.body ?? [] } };
    },
    "issues/list-comments": (ctx) => {
      const issue = findIssue(ctx);
      if (issue === undefined) return notFound;
      return paginate(
        ctx,
        state.issueComments.filter((c) => c.issue_number === issue.number),
        commentJson,
      );
    },
    "issues/create-comment": (ctx) => {
      const issue = findIssue(ctx);
      if (issue === undefined) return notFound;
      const created = now();
      const comment: StoredComment = {
        id: nextId++,
        issue_number: issue.number,
        body: String(ctx.body["body"]),
        user: viewer,
        created_at: created,
        updated_at: created,
      };
      state.issueComments.push(comment);
      return { status: 201, body: commentJson(comment) };
    },
    "issues/get-comment": (ctx) => {
      const comment = state.issueComments.find((c) => c.id === ctx.params["comment_id"]);
      return comment === undefined ? notFound : { status: 200, body: commentJson(comment) };
    },
    "issues/update-comment": (ctx) => {
      const comment = state.issueComments.find((c) => c.id === ctx.params["comment_id"]);
      if (comment === undefined) return notFound;
      comment.body = String(ctx.body["body"]);
      comment.updated_at = now();
      return { status: 200, body: commentJson(comment) };
    },
    "issues/delete-comment": (ctx) => {
      const index = state.issueComments.findIndex((c) => c.id === ctx.params["comment_id"]);
      if (index < 0) return notFound;
      state.issueComments.splice(index, 1);
      return { status: 204 };
    },
    "issues/list-for-repo": (ctx) => {
      const wanted = typeof ctx.query["state"] === "string" ? ctx.query["state"] : "open";
      const labels =
        typeof ctx.query["labels"] === "string" && ctx.query["labels"] !== ""
          ? ctx.query["labels"].split(",")
          : [];
      const issues = state.issues
        .filter((issue) => wanted === "all" || issue.state === wanted)
        .filter((issue) =>
          labels.every((label) => issue.labels.some((l) => l.toLowerCase() === label.trim().toLowerCase())),
        )
        .sort((a, b) => (ctx.query["direction"] === "asc" ? a.number - b.number : b.number - a.number));
      return paginate(ctx, issues, issueJson);
    },
    "issues/get": (ctx) => {
      const issue = findIssue(ctx);
      return issue === undefined ? notFound : { status: 200, body: issueJson(issue) };
    },
    "issues/create": (ctx) => {
      const labels = (ctx.body["labels"] as (string | { name?: string })[] | undefined) ?? [];
      const issue = newIssue({
        title: String(ctx.body["title"]),
        body: typeof ctx.body["body"] === "string" ? ctx.body["body"] : null,
        labels: labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
        user: viewer,
      });
      state.issues.push(issue);
      return { status: 201, body: issueJson(issue) };
    },
    "issues/update": (ctx) => {
      const issue = findIssue(ctx);
      if (issue === undefined) return notFound;
      const { title, body, state: wanted, state_reason: reason, labels } = ctx.body;
      if (typeof title === "string") issue.title = title;
      if (typeof body === "string" || body === null) issue.body = body;
      if (Array.isArray(labels))
        issue.labels = labels.map((l) => (typeof l === "string" ? l : String((l as { name?: string }).name)));
      if (wanted === "closed" && issue.state === "open") {
        issue.state = "closed";
        issue.closed_at = now();
        issue.state_reason = typeof reason === "string" ? reason : "completed";
      } else if (wanted === "open" && issue.state === "closed") {
        issue.state = "open";
        issue.closed_at = null;
        issue.state_reason = "reopened";
      }
      issue.updated_at = now();
      return { status: 200, body: issueJson(issue) };
    },
    "pulls/list-files": (ctx) => {
      const files = state.pullFiles.get(Number(ctx.params["pull_number"]));
      if (files === undefined) return notFound;
      // GitHub lists at most 3,000 files of a pull request.
      return paginate(ctx, files, (file) => pullFileJson(file, headSha), 3000);
    },
    "pulls/create-review": (ctx) => {
      const pullNumber = Number(ctx.params["pull_number"]);
      if (!state.pullFiles.has(pullNumber)) return notFound;
      const drafts = (ctx.body["comments"] as DraftComment[] | undefined) ?? [];
      const problems = drafts
        .map((d) => checkReviewComment(pullNumber, d))
        .filter((p): p is string => p !== undefined);
      if (problems.length > 0) return unprocessable(...problems);
      const event = ctx.body["event"];
      const review: StoredReview = {
        id: nextId++,
        pull_number: pullNumber,
        body: typeof ctx.body["body"] === "string" ? ctx.body["body"] : "",
        state:
          event === "APPROVE"
            ? "APPROVED"
            : event === "REQUEST_CHANGES"
              ? "CHANGES_REQUESTED"
              : event === "COMMENT"
                ? "COMMENTED"
                : "PENDING",
        commit_id: typeof ctx.body["commit_id"] === "string" ? ctx.body["commit_id"] : headSha,
        user: viewer,
        submitted_at: event === undefined ? null : now(),
      };
      state.reviews.push(review);
      for (const draft of drafts) storeReviewComment(pullNumber, review.id, review.commit_id, draft);
      return { status: 200, body: reviewJson(review) };
    },
    "pulls/list-reviews": (ctx) =>
      paginate(
        ctx,
        state.reviews.filter((r) => r.pull_number === ctx.params["pull_number"]),
        reviewJson,
      ),
    "pulls/get-review": (ctx) => {
      const review = state.reviews.find(
        (r) => r.id === ctx.params["review_id"] && r.pull_number === ctx.params["pull_number"],
      );
      return review === undefined ? notFound : { status: 200, body: reviewJson(review) };
    },
    "pulls/delete-pending-review": (ctx) => {
      const review = state.reviews.find(
        (r) => r.id === ctx.params["review_id"] && r.pull_number === ctx.params["pull_number"],
      );
      if (review === undefined) return notFound;
      if (review.state !== "PENDING")
        return unprocessable("Can not delete a non-pending pull request review");
      state.reviews.splice(state.reviews.indexOf(review), 1);
      state.reviewComments = state.reviewComments.filter((c) => c.review_id !== review.id);
      return { status: 200, body: reviewJson(review) };
    },
    "pulls/list-comments-for-review": (ctx) =>
      paginate(
        ctx,
        state.reviewComments.filter((c) => c.review_id === ctx.params["review_id"]),
        (c) => {
          // This listing uses the older `review-comment` shape, which carries diff positions.
          const json = reviewCommentJson(c) as Record<string, Json>;
          return { ...json, position: 1, original_position: 1 };
        },
      ),
    "pulls/list-review-comments": (ctx) =>
      paginate(
        ctx,
        state.reviewComments.filter((c) => c.pull_number === ctx.params["pull_number"]),
        reviewCommentJson,
      ),
    "pulls/create-review-comment": (ctx) => {
      const pullNumber = Number(ctx.params["pull_number"]);
      if (!state.pullFiles.has(pullNumber)) return notFound;
      const draft = ctx.body as unknown as DraftComment & { commit_id: string };
      const problem = checkReviewComment(pullNumber, draft);
      if (problem !== undefined) return unprocessable(problem);
      const review: StoredReview = {
        id: nextId++,
        pull_number: pullNumber,
        body: "",
        state: "COMMENTED",
        commit_id: draft.commit_id,
        user: viewer,
        submitted_at: now(),
      };
      state.reviews.push(review);
      return {
        status: 201,
        body: reviewCommentJson(storeReviewComment(pullNumber, review.id, draft.commit_id, draft)),
      };
    },
    "pulls/update-review-comment": (ctx) => {
      const comment = state.reviewComments.find((c) => c.id === ctx.params["comment_id"]);
      if (comment === undefined) return notFound;
      comment.body = String(ctx.body["body"]);
      comment.updated_at = now();
      return { status: 200, body: reviewCommentJson(comment) };
    },
    "pulls/delete-review-comment": (ctx) => {
      const index = state.reviewComments.findIndex((c) => c.id === ctx.params["comment_id"]);
      if (index < 0) return notFound;
      state.reviewComments.splice(index, 1);
      return { status: 204 };
    },
    "git/get-ref": (ctx) => {
      const ref = String(ctx.params["ref"]);
      if (!ref.startsWith("heads/")) return notFound;
      const sha = gitData
        ? (gitData.resolve(`refs/${ref}`) ?? undefined)
        : state.refs.get(ref.replace(/^heads\//, ""));
      return sha === undefined ? notFound : { status: 200, body: refJson(`refs/${ref}`, sha) };
    },
    "git/get-tree": (ctx) => {
      const sha = String(ctx.params["tree_sha"]);
      const files = state.contentsAt.get(sha) ?? (sha === "main" ? state.contents : undefined);
      if (files === undefined) {
        const entries = gitData?.lsTree(sha, ctx.query["recursive"] !== undefined);
        if (!gitData || !entries) return notFound;
        const treeSha = gitData.resolve(`${sha}^{tree}`) ?? sha;
        return {
          status: 200,
          body: {
            sha: treeSha,
            url: `${base}${repoPath}/git/trees/${treeSha}`,
            truncated: false,
            tree: entries.map((entry) => ({
              path: entry.path,
              mode: entry.mode,
              type: entry.type,
              sha: entry.sha,
              ...(entry.size === undefined ? {} : { size: entry.size }),
              url: `${base}${repoPath}/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`,
            })),
          },
        };
      }
      return {
        status: 200,
        body: {
          sha,
          url: `${base}${repoPath}/git/trees/${sha}`,
          truncated: false,
          tree: [...files.keys()].sort().map((path) => ({
            path,
            mode: "100644",
            type: "blob",
            sha: "e".repeat(40),
            size: Buffer.byteLength(files.get(path) ?? ""),
            url: `${base}${repoPath}/git/blobs/${"e".repeat(40)}`,
          })),
        },
      };
    },
    "repos/get-content": (ctx) => {
      const path = String(ctx.params["path"]);
      const ref = typeof ctx.query["ref"] === "string" ? ctx.query["ref"] : undefined;
      const seeded = (ref === undefined ? state.contents : state.contentsAt.get(ref))?.get(path);
      const blob = seeded === undefined && gitData ? gitData.readBlob(ref ?? "HEAD", path) : null;
      if (seeded === undefined && blob === null) return notFound;
      const bytes = blob?.content ?? Buffer.from(seeded ?? "", "utf8");
      const blobSha = blob?.sha ?? "e".repeat(40);
      const url = `${base}${repoPath}/contents/${path}`;
      const html = `${htmlRepo}/blob/main/${path}`;
      const git = `${base}${repoPath}/git/blobs/${blobSha}`;
      return {
        status: 200,
        body: {
          type: "file",
          encoding: "base64",
          size: bytes.length,
          name: path.split("/").at(-1) ?? path,
          path,
          content: bytes.toString("base64"),
          sha: blobSha,
          url,
          git_url: git,
          html_url: html,
          download_url: `https://raw.githubusercontent.com/${options.owner}/${options.repo}/main/${path}`,
          _links: { self: url, git, html },
        },
      };
    },
    // ---- the Git Data API, backed by the real bare repository (`gitDir`) ----
    "git/get-commit": (ctx) => {
      const commit = needGit().readCommit(String(ctx.params["commit_sha"]));
      return commit === null ? notFound : { status: 200, body: commitJson(commit) };
    },
    "git/create-blob": (ctx) => {
      const encoding = ctx.body["encoding"] ?? "utf-8";
      if (encoding !== "utf-8" && encoding !== "base64") {
        return unprocessable(`encoding must be utf-8 or base64, not ${JSON.stringify(encoding)}`);
      }
      const content = Buffer.from(String(ctx.body["content"]), encoding === "base64" ? "base64" : "utf8");
      const sha = needGit().hashBlob(content);
      return { status: 201, body: { url: `${base}${repoPath}/git/blobs/${sha}`, sha } };
    },
    "git/create-tree": (ctx) => {
      const git = needGit();
      const entries = ctx.body["tree"] as Array<{
        path: string;
        mode: string;
        type: string;
        sha?: string | null;
        content?: string;
      }>;
      for (const entry of entries) {
        if (entry.sha !== undefined && entry.content !== undefined) {
          return unprocessable("tree entries take either sha or content, not both");
        }
      }
      const baseTree = typeof ctx.body["base_tree"] === "string" ? ctx.body["base_tree"] : undefined;
      const sha = git.writeTree(baseTree, entries);
      const tree = git.lsTree(sha, false) ?? [];
      return {
        status: 201,
        body: {
          sha,
          url: `${base}${repoPath}/git/trees/${sha}`,
          truncated: false,
          tree: tree.map((entry) => ({
            path: entry.path,
            mode: entry.mode,
            type: entry.type,
            sha: entry.sha,
            ...(entry.size === undefined ? {} : { size: entry.size }),
            url: `${base}${repoPath}/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`,
          })),
        },
      };
    },
    "git/create-commit": (ctx) => {
      const git = needGit();
      const bot = { name: viewer.login, email: `${viewer.id}+${viewer.login}@users.noreply.github.com` };
      const author = (ctx.body["author"] as { name: string; email: string } | undefined) ?? bot;
      const committer = (ctx.body["committer"] as { name: string; email: string } | undefined) ?? author;
      const sha = git.commitTree({
        tree: String(ctx.body["tree"]),
        parents: (ctx.body["parents"] as string[] | undefined) ?? [],
        message: String(ctx.body["message"]),
        author,
        committer,
      });
      const commit = git.readCommit(sha);
      return commit === null ? notFound : { status: 201, body: commitJson(commit) };
    },
    "git/create-ref": (ctx) => {
      const git = needGit();
      const ref = String(ctx.body["ref"]);
      const sha = String(ctx.body["sha"]);
      if (!/^refs\/.+\/.+/.test(ref)) return unprocessable(`${ref} is not a valid ref name.`);
      if (git.resolve(ref) !== null) throw new GitDataError(422, "Reference already exists");
      if (git.resolve(`${sha}^{commit}`) === null) throw new GitDataError(422, "Object does not exist");
      git.updateRef(ref, sha, null);
      return { status: 201, body: refJson(ref, sha) };
    },
    "git/update-ref": (ctx) => {
      const git = needGit();
      const ref = `refs/${String(ctx.params["ref"])}`;
      const sha = String(ctx.body["sha"]);
      const current = git.resolve(ref);
      if (current === null) throw new GitDataError(422, "Reference does not exist");
      if (git.resolve(`${sha}^{commit}`) === null) throw new GitDataError(422, "Object does not exist");
      // GitHub's rule: without force, only a fast-forward (the new commit descends from the current one).
      if (ctx.body["force"] !== true && !git.isAncestor(current, sha)) {
        throw new GitDataError(422, "Update is not a fast forward");
      }
      git.updateRef(ref, sha, current);
      return { status: 200, body: refJson(ref, sha) };
    },
    "git/delete-ref": (ctx) => {
      const git = needGit();
      const ref = `refs/${String(ctx.params["ref"])}`;
      const current = git.resolve(ref);
      if (current === null) throw new GitDataError(422, "Reference does not exist");
      git.deleteRef(ref, current);
      return { status: 204 };
    },
    // ---- pull requests created through the API ----
    "pulls/list": (ctx) => {
      const wanted = typeof ctx.query["state"] === "string" ? ctx.query["state"] : "open";
      const head = typeof ctx.query["head"] === "string" ? ctx.query["head"] : undefined;
      const baseRef = typeof ctx.query["base"] === "string" ? ctx.query["base"] : undefined;
      const pulls = state.pulls.filter(
        (pull) =>
          (wanted === "all" || pull.state === wanted) &&
          (head === undefined || `${options.owner}:${pull.head}` === head) &&
          (baseRef === undefined || pull.base === baseRef),
      );
      return paginate(ctx, pulls, pullJson);
    },
    "pulls/create": (ctx) => {
      const head = String(ctx.body["head"]).replace(new RegExp(`^${options.owner}:`), "");
      const baseRef = String(ctx.body["base"]);
      if (gitData && gitData.resolve(`refs/heads/${head}`) === null) {
        return unprocessable(`head: ${head} is not a branch`);
      }
      if (gitData && gitData.resolve(`refs/heads/${baseRef}`) === null) {
        return unprocessable(`base: ${baseRef} is not a branch`);
      }
      if (state.pulls.some((p) => p.state === "open" && p.head === head && p.base === baseRef)) {
        return unprocessable(`A pull request already exists for ${options.owner}:${head}.`);
      }
      const issue = newIssue({ title: String(ctx.body["title"]), is_pull_request: true, user: viewer });
      state.issues.push(issue);
      const created = now();
      const pull: StoredPull = {
        number: issue.number,
        title: String(ctx.body["title"]),
        body: typeof ctx.body["body"] === "string" ? ctx.body["body"] : null,
        state: "open",
        head,
        base: baseRef,
        user: viewer,
        created_at: created,
        updated_at: created,
        closed_at: null,
      };
      state.pulls.push(pull);
      return { status: 201, body: pullJson(pull) };
    },
    "pulls/update": (ctx) => {
      const pull = state.pulls.find((p) => p.number === ctx.params["pull_number"]);
      if (pull === undefined) return notFound;
      const issue = state.issues.find((i) => i.number === pull.number);
      if (typeof ctx.body["title"] === "string") pull.title = ctx.body["title"];
      if (typeof ctx.body["body"] === "string") pull.body = ctx.body["body"];
      if (ctx.body["state"] === "closed" && pull.state === "open") {
        pull.state = "closed";
        pull.closed_at = now();
      } else if (ctx.body["state"] === "open") {
        pull.state = "open";
        pull.closed_at = null;
      }
      pull.updated_at = now();
      if (issue) {
        issue.title = pull.title;
        issue.body = pull.body;
        issue.state = pull.state;
        issue.closed_at = pull.closed_at;
      }
      return { status: 200, body: pullJson(pull) };
    },
    "pulls/update-review": (ctx) => {
      const review = state.reviews.find(
        (r) => r.id === ctx.params["review_id"] && r.pull_number === ctx.params["pull_number"],
      );
      if (review === undefined) return notFound;
      review.body = String(ctx.body["body"]);
      return { status: 200, body: reviewJson(review) };
    },
  };

  const listed = new Set<string>(IMPLEMENTED_OPERATIONS);
  const unlisted = Object.keys(handlers).filter((id) => !listed.has(id));
  const unhandled = IMPLEMENTED_OPERATIONS.filter((id) => handlers[id] === undefined);
  if (unlisted.length > 0 || unhandled.length > 0) {
    throw new Error(
      `test/support/github/operations.ts is out of step with the handlers (not listed: ${unlisted.join(", ") || "none"}; ` +
        `listed without a handler: ${unhandled.join(", ") || "none"}): fix the list, then run npm run openapi`,
    );
  }

  return {
    url: base,
    requests,
    violations,
    responseViolations,
    state,
    failNext(operationId, response) {
      injected.push({ operationId, response, left: response.times ?? 1 });
    },
    addIssueComment(issueNumber, body, user = HUMAN) {
      const created = now();
      const comment: StoredComment = {
        id: nextId++,
        issue_number: issueNumber,
        body,
        user,
        created_at: created,
        updated_at: created,
      };
      state.issueComments.push(comment);
      return comment;
    },
    addIssue(seed) {
      const issue = newIssue(seed);
      state.issues.push(issue);
      return issue;
    },
    beforeOperation(operationId, action) {
      hooks.push({ operationId, action });
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}
