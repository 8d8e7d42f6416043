// @ts-check
// The pure core: folders whose modules compute, never touch the world. They reach files, git, GitHub
// and models only through the interfaces in src/ports/, implemented by the adapters outside the core.
// Importing a module with side effects (file system, processes, network, SDKs, the Actions toolkit)
// or an adapter folder is an error here; type-only imports of adapter types are allowed.
import tseslint from "typescript-eslint";

export const CORE_FOLDERS = [
  "calibrate",
  "delivery",
  "draft",
  "engine",
  "git",
  "judge",
  "lint",
  "loop",
  "ports",
  "report",
  "rubric",
  "util",
  "view",
  "writer",
];

const impure = (/** @type {string} */ why) => ({
  message: `the core is pure: ${why}. Take it through a port (src/ports/) and implement it in an adapter.`,
});

export const purity = {
  files: CORE_FOLDERS.map((folder) => `src/${folder}/**/*.ts`),
  plugins: { "@typescript-eslint": tseslint.plugin },
  rules: {
    "@typescript-eslint/no-restricted-imports": [
      "error",
      {
        paths: [
          ...["fs", "fs/promises", "node:fs", "node:fs/promises"].map((name) => ({
            name,
            ...impure("no file system"),
          })),
          ...["child_process", "node:child_process", "worker_threads", "node:worker_threads"].map((name) => ({
            name,
            ...impure("no processes"),
          })),
          ...["http", "https", "net", "node:http", "node:https", "node:net", "node:dns"].map((name) => ({
            name,
            ...impure("no network"),
          })),
          ...["process", "node:process"].map((name) => ({ name, ...impure("no process environment") })),
          ...["openai", "glob"].map((name) => ({ name, ...impure(`no ${name}`) })),
        ],
        patterns: [
          { group: ["@actions/*"], ...impure("no Actions toolkit") },
          { group: ["@octokit/*"], ...impure("no GitHub client") },
          { group: ["openai/*", "@anthropic-ai/*"], ...impure("no model SDK") },
          {
            group: ["**/providers/*", "**/github/*", "**/fs/*", "**/action/*", "**/cli/*"],
            allowTypeImports: true,
            ...impure("adapters are reached through ports, never imported"),
          },
        ],
      },
    ],
  },
};
