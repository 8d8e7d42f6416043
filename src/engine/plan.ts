import type { Rubric } from "../rubric/types.js";
import { loadContext, type LoadedContext } from "./context.js";
import { isDeterministic, judgedPart } from "../checks/judge.js";
import { buildJudgeMessages, JUDGE_SYSTEM_PROMPT } from "../judge/prompt.js";
import { judgeJsonSchema } from "../judge/schema.js";
import { estimateCostUsd, type PriceTable } from "./pricing.js";
import type { ConfigProblem } from "../rubric/types.js";
import type { FileSource } from "../ports/files.js";
import type { Clock } from "../ports/clock.js";
import { readArtifact } from "./artifact.js";
import { prepareRun } from "./prepare.js";
import type { ShardSpec } from "./shard.js";

export interface PlanEntry {
  path: string;
  rubric: string;
  criteria: number;
  judge: string | null;
  /** Judge calls per graded version: judges in the panel × samples of each. */
  judgeCalls: number;
  /** Characters of one judge request: instructions, rubric, artifact and schema. */
  promptChars: number;
  inputTokens: number;
  outputTokens: number;
  /** Why the file would not be graded, or null. */
  skipped: string | null;
}

export interface Plan {
  problems: ConfigProblem[];
  /** What a real run would run into: a judge without a key, files that would not be graded. */
  warnings: string[];
  entries: PlanEntry[];
  /** Iteration 0 only: one judge call per graded file. */
  inputTokens: number;
  outputTokens: number;
  /** Estimated USD for iteration 0, null when a judge has no known price. */
  costUsd: number | null;
}

/** Tokens estimated per picture sent as an image input (about a 1,000 × 1,000 pixel picture). */
const IMAGE_TOKENS = 1_600;

/** A rough token count: about four characters a token for English prose and markdown. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** What a run would do, with no model call (`--dry-run`): which rubric grades which file, and the cost. */
export async function planRun(options: {
  workspace: FileSource;
  rubricSource?: FileSource;
  rubricsGlob: string;
  paths?: string[];
  /** Plan only this part of the matched files (`--shard I/N`). */
  shard?: ShardSpec;
  judge: string | null;
  /** A panel of default judges (several `--judge`); replaces `judge` when non-empty. */
  judges?: string[];
  /** Calls per judge per graded version (`--judge-samples`). */
  judgeSamples?: number;
  maxFileBytes?: number;
  prices?: PriceTable;
  clock?: Clock;
  /** Why a model could not be used in a real run (its key is missing), or null. */
  keyProblem?: (spec: string) => string | null;
}): Promise<Plan> {
  const prepared = await prepareRun(options);
  const entries: PlanEntry[] = [];
  const contexts = new Map<Rubric, Promise<LoadedContext>>();
  let costUsd: number | null = 0;
  for (const pair of prepared.pairs) {
    const rubric = pair.rubric;
    // A rubric of checks only is decided without a model: no call, no token, no key.
    const checksOnly = rubric != null && isDeterministic(rubric);
    const panel = checksOnly
      ? []
      : rubric?.judge
        ? [rubric.judge]
        : options.judges?.length
          ? options.judges
          : options.judge
            ? [options.judge]
            : [];
    const samples = options.judgeSamples ?? 1;
    const judge = checksOnly ? "(checks only)" : panel.join(", ") || null;
    const entry: PlanEntry = {
      path: pair.path,
      rubric: rubric?.path ?? "(none)",
      criteria: rubric?.criteria.length ?? 0,
      judge,
      judgeCalls: panel.length * samples,
      promptChars: 0,
      inputTokens: 0,
      outputTokens: 0,
      skipped: rubric ? null : "no rubric matches this file",
    };
    entries.push(entry);
    if (!rubric || checksOnly) continue;
    // Renderings time out on the wall clock; the dry run has no other use for a clock.
    const read = await readArtifact(options.workspace, pair.path, {
      ...(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }),
      clock: options.clock ?? WALL_CLOCK,
    });
    if (!read.ok) {
      entry.skipped = read.reason;
      continue;
    }
    // The reference files are part of every judge call of the rubric.
    let loaded = contexts.get(rubric);
    if (!loaded) contexts.set(rubric, (loaded = loadContext(options.workspace, rubric)));
    const { files: context } = await loaded;
    const artifact = {
      path: pair.path,
      content: read.text,
      ...(read.format ? { format: read.format } : {}),
      ...(context.length > 0 ? { context } : {}),
    };
    // The judge is asked about the criteria no check decides.
    const judged = judgedPart(rubric);
    const messages = buildJudgeMessages(judged, artifact, "0".repeat(24));
    entry.promptChars =
      JUDGE_SYSTEM_PROMPT.length +
      messages.reduce((n, m) => n + m.content.length, 0) +
      JSON.stringify(judgeJsonSchema(judged)).length;
    // A picture costs what its pixels cost; about 1,600 tokens for a typical screenshot or chart.
    const oneIn = estimateTokens(entry.promptChars) + read.images.length * IMAGE_TOKENS;
    // A verdict is a short quote and a sentence or two: about 90 tokens a criterion.
    const oneOut = 40 + 90 * judged.criteria.length;
    // Without a judge yet, the estimate is for one judge call.
    entry.inputTokens = oneIn * Math.max(1, entry.judgeCalls);
    entry.outputTokens = oneOut * Math.max(1, entry.judgeCalls);
    let cost: number | null = panel.length > 0 ? 0 : null;
    for (const spec of panel) {
      const one = estimateCostUsd(
        spec.slice(spec.indexOf(":") + 1),
        { inputTokens: oneIn * samples, outputTokens: oneOut * samples, cachedInputTokens: 0 },
        options.prices,
      );
      cost = one === null || cost === null ? null : cost + one;
    }
    costUsd = cost === null || costUsd === null ? null : costUsd + cost;
  }
  const graded = entries.filter((e) => !e.skipped);
  const warnings: string[] = [];
  const specs = new Set(graded.flatMap((e) => (e.judge && e.judgeCalls > 0 ? e.judge.split(", ") : [])));
  for (const spec of specs) {
    const problem = options.keyProblem?.(spec);
    if (problem) warnings.push(`a real run could not use the judge: ${problem}`);
  }
  if (graded.some((e) => e.judge === null)) {
    warnings.push(
      "no judge is configured: a real run would grade nothing (pass --judge provider:model or set RUBRIC_GATE_JUDGE)",
    );
  }
  const skipped = entries.length - graded.length;
  if (skipped > 0) warnings.push(`${skipped} matched file(s) would not be graded (see NOTE)`);
  return {
    problems: prepared.problems,
    warnings,
    entries,
    inputTokens: graded.reduce((n, e) => n + e.inputTokens, 0),
    outputTokens: graded.reduce((n, e) => n + e.outputTokens, 0),
    costUsd: graded.length === 0 ? 0 : costUsd,
  };
}

const WALL_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
