/**
 * A local, in-memory GitHub REST API for tests, split by resource under `github/` (checks, issues,
 * pulls, git; shapes of the answers; the OpenAPI validation). Every request is checked against GitHub's official
 * OpenAPI description (`@octokit/openapi`, trimmed to what is used: `test/fixtures/github/`): the operation by method and path template, the path and
 * query parameters, and the JSON body against the operation's request schema. A request that does not
 * conform is answered 422 (404 when no operation matches) and recorded in `violations`. Answers are
 * GitHub-shaped (and themselves checked against the response schemas, into `responseViolations`).
 * With `gitDir`, the Git Data endpoints (blobs, trees, commits, refs) are a real bare repository on
 * disk, with GitHub's rule that a ref update without `force` must be a fast-forward.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GitDataError, openGitData, type GitData } from "./git-data.js";
import { checkHandlers } from "./github/checks.js";
import { accessHandlers } from "./github/access.js";
import { gitHandlers } from "./github/git.js";
import { runHandler, type Handlers } from "./github/http.js";
import { issueHandlers } from "./github/issues.js";
import { describeErrors, loadOpenApi, paramsSchema, validatorFor, type Route } from "./github/openapi.js";
import { IMPLEMENTED_OPERATIONS } from "./github/operations.js";
import { pullHandlers } from "./github/pulls.js";
import { shapes } from "./github/shapes.js";
import {
  ACTIONS_BOT,
  HUMAN,
  type CapturedRequest,
  type GitHubServer,
  type GitHubServerOptions,
  type GitHubState,
  type InjectedResponse,
  type StoredAnnotation,
  type StoredComment,
  type StoredIssue,
  type Violation,
} from "./github/types.js";
import type { World } from "./github/world.js";

export * from "./github/types.js";

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
    reactions: [],
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
  const world: World = {
    options,
    state,
    base,
    repoPath,
    htmlRepo,
    viewer,
    headSha,
    gitData,
    labelIds,
    now,
    nextId: () => nextId++,
    newIssue,
    needGit: () => {
      if (gitData === undefined)
        throw new GitDataError(404, "this test server has no git repository (option gitDir)");
      return gitData;
    },
  };
  const shaped = shapes(world);
  const handlers: Handlers = {
    ...checkHandlers(world, shaped),
    ...issueHandlers(world, shaped),
    ...pullHandlers(world, shaped),
    ...gitHandlers(world, shaped),
    ...accessHandlers(world, shaped),
  };

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
