/**
 * Runs the committed Action bundle (`dist/index.js`) as the runner would: a child process with the
 * event payload in GITHUB_EVENT_PATH, GITHUB_* variables, INPUT_* inputs, and files for outputs and the
 * job summary. GitHub is the local OpenAPI-checking server; models are the local model server.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bundle under test; `RUBRIC_GATE_ACTION_BUNDLE` points at another build, to show what a test catches. */
const BUNDLE =
  process.env["RUBRIC_GATE_ACTION_BUNDLE"] ?? fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const require = createRequire(import.meta.url);

interface WebhookDefinition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

/** A real webhook payload from @octokit/webhooks-examples (a deep copy, free to edit). */
export function webhookExample(name: string, action?: string): Record<string, unknown> {
  const definitions = require("@octokit/webhooks-examples") as WebhookDefinition[];
  const found = definitions
    .find((d) => d.name === name)
    ?.examples.find((e) => action === undefined || e["action"] === action);
  if (!found) throw new Error(`no ${name} ${action ?? ""} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs dist/index.js once; `inputs` are action inputs by name (as in a workflow's `with:`). */
export async function runAction(options: {
  eventName: string;
  payload: Record<string, unknown>;
  repository: string;
  sha: string;
  ref?: string;
  workspace: string;
  apiUrl: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
}): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), "rubric-gate-runner-"));
  const eventPath = join(dir, "event.json");
  const outputPath = join(dir, "output.txt");
  const summaryPath = join(dir, "summary.md");
  await writeFile(eventPath, JSON.stringify(options.payload));
  await writeFile(outputPath, "");
  await writeFile(summaryPath, "");
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? dir,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_REPOSITORY_OWNER: options.repository.split("/")[0] ?? "",
    GITHUB_SHA: options.sha,
    GITHUB_REF: options.ref ?? "refs/heads/main",
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_GRAPHQL_URL: `${options.apiUrl}/graphql`,
    GITHUB_RUN_ID: "4242",
    GITHUB_RUN_NUMBER: "7",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: "grade",
    GITHUB_ACTOR: "octocat",
    GITHUB_WORKFLOW: "rubric-gate",
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: dir,
    RUNNER_OS: "Linux",
    ...options.env,
  };
  // The runner sets every input, with action.yml's defaults for those the workflow leaves out.
  env["INPUT_GITHUB-TOKEN"] = "ghs_testtoken0123456789abcdefghijklmnop";
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "node",
      [BUNDLE],
      { cwd: options.workspace, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
  const outputs = parseOutputs(await readFile(outputPath, "utf8"));
  const summary = await readFile(summaryPath, "utf8");
  const reportPath = outputs["report-path"];
  // Keep the report readable after the runner's temp dir is gone.
  if (reportPath) outputs["report"] = await readFile(reportPath, "utf8").catch(() => "");
  const pagePath = outputs["report-page-path"];
  if (pagePath) outputs["page"] = await readFile(pagePath, "utf8").catch(() => "");
  await rm(dir, { recursive: true, force: true });
  return { ...result, outputs, summary };
}

/** Parses GITHUB_OUTPUT's `name<<DELIMITER … DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? "");
    outputs[name ?? ""] = value.join("\n");
  }
  return outputs;
}
