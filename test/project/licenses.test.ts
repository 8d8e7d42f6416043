// The third-party notices of both bundles against the lockfile: every package they list is a production
// package at its locked version, and every production package is either listed or known to leave no
// code in the bundles. (`.ci/run` rebuilds dist/ — the notices with it — and fails when they differ.)
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { listedPackages } from "../../scripts/licenses.js";

const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
  packages: Record<string, { version?: string; dev?: boolean; license?: string }>;
};
const production = Object.entries(lock.packages)
  .filter(([path, entry]) => path !== "" && entry.dev !== true)
  .map(([path, entry]) => ({ name: path.replace(/^.*node_modules\//, ""), version: entry.version ?? "" }));

/** Production packages with no code in either bundle, and why: a new one must be looked at. */
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

  it("list only production packages of the lockfile, at their locked versions", () => {
    expect(listedPackages(notices.action).length).toBeGreaterThan(60);
    expect(listedPackages(notices.cli).length).toBeGreaterThan(40);
    const locked = new Set(production.map((p) => `${p.name}@${p.version}`));
    expect([...listed].filter((p) => !locked.has(p))).toEqual([]);
  });

  it("cover every production package that leaves code in a bundle", () => {
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
