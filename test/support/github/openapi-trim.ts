/**
 * Trims GitHub's dereferenced OpenAPI description (`@octokit/openapi`, ~70 MB) to what the local GitHub
 * server needs: every operation's route and parameters (so requests are routed exactly as against the
 * whole description), and request and response schemas only for the operations it implements.
 * Descriptions, examples and vendor extensions (bar `x-multi-segment`) are dropped: validation never
 * reads them. Used by `scripts/trim-openapi.ts` and by the test that the committed copy is current.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { IMPLEMENTED_OPERATIONS } from "./operations.js";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const KEPT_EXTENSIONS = new Set(["x-multi-segment"]);

export interface TrimmedOpenApi {
  source: { package: string; version: string; file: string };
  paths: Record<string, Record<string, unknown>>;
}

/** Where the committed copy lives, relative to the repository root. */
export const TRIMMED_OPENAPI_PATH = "test/fixtures/github/openapi.json";

export async function trimOpenApi(): Promise<TrimmedOpenApi> {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("@octokit/openapi/package.json");
  const { version } = JSON.parse(await readFile(pkgPath, "utf8")) as { version: string };
  const file = "generated/api.github.com.deref.json";
  const spec = JSON.parse(await readFile(join(dirname(pkgPath), file), "utf8")) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const implemented = new Set<string>(IMPLEMENTED_OPERATIONS);
  const paths: TrimmedOpenApi["paths"] = {};
  for (const template of Object.keys(spec.paths).sort()) {
    const item = spec.paths[template] ?? {};
    const kept: Record<string, unknown> = {};
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const operationId = operation["operationId"] as string;
      const out: Record<string, unknown> = { operationId, parameters: strip(operation["parameters"] ?? []) };
      if (implemented.has(operationId)) {
        if (operation["requestBody"] !== undefined) out["requestBody"] = strip(operation["requestBody"]);
        if (operation["responses"] !== undefined) out["responses"] = strip(operation["responses"]);
      }
      kept[method] = out;
    }
    paths[template] = kept;
  }
  const missing = IMPLEMENTED_OPERATIONS.filter(
    (id) => !Object.values(paths).some((item) => Object.values(item).some((op) => hasId(op, id))),
  );
  if (missing.length > 0) throw new Error(`not in @octokit/openapi ${version}: ${missing.join(", ")}`);
  return { source: { package: "@octokit/openapi", version, file }, paths };
}

function hasId(op: unknown, id: string): boolean {
  return (op as { operationId?: string }).operationId === id;
}

/** Drops documentation from a schema tree; keys under `properties` are names, never dropped. */
function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "description" || key === "summary" || key === "example" || key === "examples") continue;
    if (key.startsWith("x-") && !KEPT_EXTENSIONS.has(key)) continue;
    out[key] =
      (key === "properties" || key === "patternProperties") && typeof value === "object" && value !== null
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([name, v]) => [name, strip(v)]),
          )
        : strip(value);
  }
  return out;
}
