// The purity rule is configuration, so it is proved the way it is used: ESLint, with the rule block
// that eslint.config.js includes, over fixture text placed in each core folder and outside the core.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import type { Linter } from "eslint";

// The configuration files are plain JavaScript outside the TypeScript program: loaded by URL.
const load = (file: string): Promise<unknown> => import(new URL(`../../${file}`, import.meta.url).href);
const config = ((await load("eslint.config.js")) as { default: Linter.Config[] }).default;
const { CORE_FOLDERS, purity } = (await load("eslint.purity.js")) as {
  CORE_FOLDERS: string[];
  purity: Linter.Config;
};

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [
    { files: ["**/*.ts"], languageOptions: { parser: (await import("typescript-eslint")).parser } },
    purity,
  ],
});

async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

const FORBIDDEN = [
  'import { readFile } from "node:fs/promises";',
  'import * as fs from "node:fs";',
  'import { readFileSync } from "fs";',
  'import { execFile } from "node:child_process";',
  'import * as core from "@actions/core";',
  'import { getOctokit } from "@actions/github";',
  'import OpenAI from "openai";',
  'import Anthropic from "@anthropic-ai/sdk";',
  'import { createOpenAIClient } from "../providers/openai.js";',
  'import { NodeWorkspace } from "../fs/workspace.js";',
];

describe("the purity lint rule", () => {
  it("is part of the project's ESLint configuration", () => {
    expect(config).toContain(purity);
  });

  for (const folder of CORE_FOLDERS) {
    it(`fails on every side-effecting import in src/${folder}/`, async () => {
      for (const line of FORBIDDEN) {
        const found = await problems(`${line}\nexport const x = 1;\n`, `src/${folder}/fixture.ts`);
        expect(found, line).toHaveLength(1);
        expect(found[0]).toMatch(/no-restricted-imports: .*the core is pure/);
      }
    });
  }

  it("allows what the core may use: pure libraries, hashing, ports and type-only adapter types", async () => {
    const code = [
      'import { z } from "zod";',
      'import { createHash } from "node:crypto";',
      'import type { FileSource } from "../ports/files.js";',
      'import type { ChangedFile } from "../github/event.js";',
      "export const x = 1;",
      "",
    ].join("\n");
    expect(await problems(code, "src/judge/fixture.ts")).toEqual([]);
  });

  it("leaves the adapters and entries free to reach the world", async () => {
    for (const folder of ["providers", "github", "fs", "action", "cli"]) {
      expect(await problems(`${FORBIDDEN[0]}\nexport const x = 1;\n`, `src/${folder}/fixture.ts`)).toEqual(
        [],
      );
    }
  });
});
