// Judge input tokens per call for a 10-criterion rubric, as the local model server counts them
// (characters of the messages and the answer schema, divided by four), through a built CLI bundle.
// Given the bundle of an earlier layout (`--compare-bundle`), the same grade runs through both, so
// the figures are side by side from one machine and one server.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startModelServer } from "../test/support/model-server.js";
import { scripted, type Rule } from "../test/support/scripted.js";
import { RULES, RUBRIC, writeTree } from "./tree.js";

/** The benchmark's 8 criteria plus two: a realistic rubric of 10. */
const RUBRIC_10 = RUBRIC.replace(
  '- [advisory] Uses second person ("you") rather than "the user". {#voice}',
  [
    '- [advisory] Uses second person ("you") rather than "the user". {#voice}',
    "- States the exit codes of the command and what each means. {#exit-codes}",
    "- Every option in the Configuration table has a default value. {#defaults}",
  ].join("\n"),
);
const RULES_10: Record<string, Rule> = { ...RULES, "exit-codes": () => "exits with 0", defaults: () => true };

export interface PromptSize {
  bundle: string;
  judgeCalls: number;
  inputTokensPerCall: number;
  schemaTokens: number;
}

/** Grades `files` pages with the 10-criterion rubric through `bundle`; tokens per judge call. */
export async function promptSize(bundle: string, files = 4): Promise<PromptSize> {
  const judge = scripted({ judge: RULES_10 });
  const server = await startModelServer(judge);
  const root = await mkdtemp(join(tmpdir(), "rubric-gate-prompt-"));
  try {
    await writeTree(root, files);
    await writeFile(join(root, "rubrics/reference.md"), RUBRIC_10);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [bundle, "grade", "--judge", "openai:gpt-4.1", "--report", "report.json"],
        {
          cwd: root,
          env: { PATH: process.env.PATH, OPENAI_API_KEY: "bench", OPENAI_BASE_URL: server.openaiBaseURL },
          stdio: "ignore",
        },
      );
      child.once("error", reject);
      child.once("exit", resolve);
    });
    const report = JSON.parse(await readFile(join(root, "report.json"), "utf8")) as {
      totals: { judge_calls: number; input_tokens: number };
    };
    if (report.totals.judge_calls === 0) throw new Error(`${bundle}: no judge call (exit ${code})`);
    const schemas = server.requests.map((r) =>
      JSON.stringify((r.body as { response_format?: unknown }).response_format ?? ""),
    );
    return {
      bundle,
      judgeCalls: report.totals.judge_calls,
      inputTokensPerCall: report.totals.input_tokens / report.totals.judge_calls,
      schemaTokens: Math.ceil((schemas[0] ?? "").length / 4),
    };
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
