// The third-party notices of both bundles against the lockfile: every package they list is locked at
// that version, and every package the code can reach at run time — the packages \`src/\` imports (not
// as types), with their dependencies, as the lockfile resolves them — is either listed or known to
// leave no code in the bundles. The bundles hold all of it: the package declares no runtime
// dependencies, so an install fetches nothing. (\`.ci/run\` rebuilds dist/ — the notices with it — and
// fails when they differ.)
import { existsSync, readFileSync } from "node:fs";
import { globSync } from "glob";
import { describe, expect, it } from "vitest";
import { listedPackages } from "../../scripts/licenses.js";

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync("package.json", "utf8")) as Record<string, unknown>;

/** The packages \`src/\` imports for their code (type-only imports and Node's own modules left out). */
function importedPackages(): string[] {
  const names = new Set<string>();
  for (const file of globSync("src/**/*.ts")) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gm)) {
      const [, typeOnly, specifier = ""] = match;
      if (typeOnly || specifier.startsWith(".") || specifier.startsWith("node:")) continue;
      const parts = specifier.split("/");
      names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? ""));
    }
  }
  return [...names].sort();
}

/** Where Node finds \`name\` from the package at lockfile path \`from\` ("" is the project). */
function resolveIn(from: string, name: string): string | undefined {
  for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf("/node_modules/")))) {
    const path = `${at ? `${at}/` : ""}node_modules/${name}`;
    if (lock.packages[path]) return path;
    if (at === "") return undefined;
  }
}

/** Every package reachable at run time from what \`src/\` imports, by lockfile path. */
function runtimeClosure(): Array<{ name: string; version: string }> {
  const seen = new Set<string>();
  const pending = importedPackages().map((name) => resolveIn("", name) ?? `missing:${name}`);
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = lock.packages[path];
    if (!entry) continue;
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = resolveIn(path, dependency);
      if (found) pending.push(found);
    }
  }
  return [...seen].map((path) => ({
    name: path.replace(/^.*node_modules\//, ""),
    version: lock.packages[path]?.version ?? "",
  }));
}
const production = runtimeClosure();

/** Packages the code reaches that leave no code in either bundle, and why: a new one must be looked at. */
const NOT_BUNDLED: Record<string, string> = {
  "@octokit/openapi-types": "types only",
  "@octokit/types": "types only",
  "@types/debug": "types only",
  "@types/mdast": "types only",
  "@types/ms": "types only",
  "@types/unist": "types only",
  "json-schema-to-ts": "types only (the Anthropic SDK's helpers)",
  "ts-algebra": "types only (json-schema-to-ts)",
  "micromark-util-types": "types only",
  "micromark-util-symbol": "constants inlined by micromark's production build",
  "@babel/runtime": "a dependency of json-schema-to-ts, whose code is not imported",
  debug: "micromark's development build only",
  ms: "debug's dependency",
  dequal: "micromark's development build only",
  "mdast-util-to-markdown": "mdast-util-frontmatter's serializer, not imported",
  "mdast-util-phrasing": "mdast-util-to-markdown's dependency",
  "longest-streak": "mdast-util-to-markdown's dependency",
  zwitch: "mdast-util-to-markdown's dependency",
  "unist-util-is": "mdast-util-to-markdown's dependency",
  "unist-util-visit": "mdast-util-to-markdown's dependency",
  "unist-util-visit-parents": "mdast-util-to-markdown's dependency",
};

describe("third-party notices", () => {
  const notices = {
    action: readFileSync("dist/licenses.txt", "utf8"),
    cli: readFileSync("dist/cli/licenses.txt", "utf8"),
  };
  const listed = new Set([...listedPackages(notices.action), ...listedPackages(notices.cli)]);

  it("list only packages the code reaches at run time, at their locked versions", () => {
    expect(listedPackages(notices.action).length).toBeGreaterThan(60);
    expect(listedPackages(notices.cli).length).toBeGreaterThan(40);
    expect(production.filter((p) => p.name.startsWith("missing:"))).toEqual([]);
    const locked = new Set(production.map((p) => `${p.name}@${p.version}`));
    expect([...listed].filter((p) => !locked.has(p))).toEqual([]);
  });

  it("leave nothing to install: the package declares no runtime dependencies", () => {
    expect(manifest["dependencies"]).toBeUndefined();
    expect(importedPackages()).toContain("openai");
  });

  it("cover every package the code reaches that leaves code in a bundle", () => {
    const names = new Set([...listed].map((p) => p.slice(0, p.lastIndexOf("@"))));
    const unlisted = [...new Set(production.map((p) => p.name).filter((name) => !names.has(name)))].sort();
    expect(unlisted).toEqual(Object.keys(NOT_BUNDLED).sort());
  });

  it("carry each package's license text, and the project's own license exists", () => {
    for (const text of Object.values(notices)) {
      for (const name of ["openai@", "zod@", "yaml@", "path-scurry@"]) {
        const at = text.indexOf(`\n${name}`);
        expect(at, name).toBeGreaterThan(0);
        const section = text.slice(at, text.indexOf("\n---", at + 1));
        expect(section).toMatch(/License: \S+/);
        expect(section).toMatch(/Permission|Licensed under|Apache License|Blue Oak|ISC/i);
      }
    }
    expect(existsSync("LICENSE")).toBe(true);
    expect(readFileSync("LICENSE", "utf8")).toMatch(/^MIT License/);
    expect((JSON.parse(readFileSync("package.json", "utf8")) as { license: string }).license).toBe("MIT");
  });
});
