/**
 * GitHub's OpenAPI description, trimmed to what the project uses (`test/fixtures/github/openapi.json`,
 * `npm run openapi`): routes by method and path template, and validators of parameters, bodies and
 * answers built lazily from the schemas and cached for the process.
 */
import { readFile } from "node:fs/promises";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
// ---------------------------------------------------------------------------------------------------
// The OpenAPI description: loaded once per process, routes and validators built lazily and cached.

type SchemaNode = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: SchemaNode;
  "x-multi-segment"?: boolean;
}

export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaNode }> };
  responses?: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
}

export interface Route {
  method: string;
  template: string;
  regex: RegExp;
  paramNames: string[];
  literalSegments: number;
  operation: Operation;
}

export interface OpenApi {
  routes: Route[];
  requestAjv: Ajv;
  paramAjv: Ajv;
  validators: Map<string, ValidateFunction>;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
const CACHE_KEY = Symbol.for("rubric-gate.test.github-openapi");

/**
 * Loads and indexes the trimmed description once per process: GitHub's routes and parameters, and
 * the schemas of the operations this server implements (`npm run openapi` regenerates it).
 */
export function loadOpenApi(): Promise<OpenApi> {
  const holder = globalThis as unknown as Record<symbol, Promise<OpenApi> | undefined>;
  holder[CACHE_KEY] ??= (async () => {
    const text = await readFile(new URL("../../fixtures/github/openapi.json", import.meta.url), "utf8");
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

export function validatorFor(
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

export function describeErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const at = `${where}${error.instancePath}`;
    const params = error.keyword === "enum" ? ` (${JSON.stringify(error.params)})` : "";
    return `${at} ${error.message ?? error.keyword}${params}`;
  });
}

export function paramsSchema(parameters: Parameter[]): SchemaNode {
  return {
    type: "object",
    properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema ?? {}])),
    required: parameters.filter((p) => p.required === true).map((p) => p.name),
  };
}
