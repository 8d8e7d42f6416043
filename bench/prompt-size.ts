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
  const { report, schemaTokens } = await gradeTree(bundle, files, RUBRIC_10, RULES_10);
  if (report.totals.judge_calls === 0) throw new Error(`${bundle}: no judge call`);
  return {
    bundle,
    judgeCalls: report.totals.judge_calls,
    inputTokensPerCall: report.totals.input_tokens / report.totals.judge_calls,
    schemaTokens,
  };
}

/** The 10-criterion rubric with a no-TODO criterion, judged by the model… */
const RUBRIC_MECHANICAL = RUBRIC_10.replace(
  "Says which version introduced the feature. {#version}",
  "Says which version introduced the feature. {#version}\n- Leaves no TODO. {#no-todo}",
);
/** …and with its mechanical criteria moved to deterministic checks. */
const RUBRIC_CHECKED = RUBRIC_MECHANICAL.replace(
  "{#version}",
  '{#version check=contains pattern="Introduced in"}',
)
  .replace("{#related}", '{#related check=contains pattern="](../"}')
  .replace("{#exit-codes}", '{#exit-codes check=contains pattern="exits with"}')
  .replace("{#no-todo}", '{#no-todo check=absent pattern="TODO"}');

export interface ChecksCost {
  rubric: string;
  judgeCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/** Judge calls and tokens of the same grade with its mechanical criteria judged, then checked. */
export async function checksCost(bundle: string, files = 20): Promise<ChecksCost[]> {
  const rules = { ...RULES_10, "no-todo": () => true };
  const out: ChecksCost[] = [];
  for (const [name, rubric] of [
    ["11 criteria, all judged", RUBRIC_MECHANICAL],
    ["the same, 4 mechanical ones as checks", RUBRIC_CHECKED],
  ] as const) {
    const { report } = await gradeTree(bundle, files, rubric, rules);
    out.push({
      rubric: name,
      judgeCalls: report.totals.judge_calls,
      inputTokens: report.totals.input_tokens,
      outputTokens: report.totals.output_tokens,
      costUsd: report.totals.cost_usd,
    });
  }
  return out;
}

interface TreeReport {
  totals: {
    judge_calls: number;
    input_tokens: number;
    output_tokens: number;
    cost_usd: number | null;
  };
}

async function gradeTree(
  bundle: string,
  files: number,
  rubric: string,
  rules: Record<string, Rule>,
): Promise<{ report: TreeReport; schemaTokens: number }> {
  const judge = scripted({ judge: rules });
  const server = await startModelServer(judge);
  const root = await mkdtemp(join(tmpdir(), "rubric-gate-prompt-"));
  try {
    await writeTree(root, files);
    await writeFile(join(root, "rubrics/reference.md"), rubric);
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
    const report = JSON.parse(await readFile(join(root, "report.json"), "utf8")) as TreeReport;
    if (code === null) throw new Error(`${bundle}: the grade did not exit`);
    const schemas = server.requests.map((r) =>
      JSON.stringify((r.body as { response_format?: unknown }).response_format ?? ""),
    );
    return { report, schemaTokens: Math.ceil((schemas[0] ?? "").length / 4) };
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
