import {
  asModelError,
  BatchPending,
  type ModelAnswer,
  type ModelClient,
  type ModelError,
  ToolLimitError,
  type Usage,
} from "../ports/models.js";
import { createHash } from "node:crypto";
import { addressAt } from "../render/render.js";
import type { Rubric } from "../rubric/types.js";
import { locateEvidence } from "./evidence.js";
import { graderTools, TOOL_LIMITS, type ToolCallRecord } from "./tools.js";
import type { FileSource } from "../ports/files.js";
import {
  buildJudgeMessages,
  correctiveMessage,
  judgeData,
  JUDGE_SYSTEM_PROMPT,
  renderRubric,
  makeNonce,
  type Artifact,
} from "./prompt.js";
import { judgeJsonSchema, JUDGE_SCHEMA_NAME, parseJudgeAnswer, type JudgeAnswer } from "./schema.js";

export interface CriterionVerdict {
  verdict: "pass" | "fail";
  evidence: string;
  explanation: string;
  evidenceVerified: boolean;
  line: number | null;
  /** A short locator of the evidence: `line 12`, `Sheet1!B7`, `slide 3`, `paragraph 12`, `cell 4`. */
  location: string | null;
  /**
   * The judge said `pass` but its quote is not in the artifact, even after a corrective retry that
   * named it: the verdict is `fail`, and every output says the evidence was unverified.
   */
  unverified?: boolean;
  /** A panel's tally (several judges or samples); absent for a single call. */
  votes?: { pass: number; fail: number };
  /** A panel without a strict majority of `pass` that still had a `pass` vote: never counts as a pass. */
  uncertain?: boolean;
}

export interface CallRecord {
  role: "judge" | "writer";
  /** The read-only tool calls the model made before this answer (SPEC §10). */
  toolCalls?: ToolCallRecord[];
  model: string;
  usage: Usage;
  latencyMs: number;
  attempts: number;
  /** The validation error of a first answer that had to be retried, else null. */
  invalidAnswer: string | null;
}

/** The outcome of grading one version of an artifact: a value, never an exception. */
export type Grade =
  | {
      kind: "graded";
      verdicts: Record<string, CriterionVerdict>;
      applicable: boolean;
      summary: string;
      calls: CallRecord[];
      /** Served from the verdict cache (`withVerdictCache`): no call was made. */
      cached?: boolean;
    }
  | { kind: "error"; error: string; modelError?: ModelError; calls: CallRecord[] };

/** Grades one version of an artifact. */
export interface Judge {
  grade(rubric: Rubric, artifact: Artifact, signal?: AbortSignal): Promise<Grade>;
}

export interface JudgeOptions {
  client: ModelClient;
  /** Where a rubric with `tools: true` lets the judge read, list and search files; without it, no tools. */
  tools?: FileSource;
  /** Output budget of one judge answer, before scaling by the number of criteria. */
  maxOutputTokens?: number;
  nonce?: (data: readonly string[]) => string;
}

/** What one answer amounts to: a usable grade, a grade with unverified passes, or a problem to retry. */
type Reading =
  | { kind: "graded"; grade: Extract<Grade, { kind: "graded" }>; unverified: string[] }
  | { kind: "problem"; problem: string };

/**
 * The isolated judge (SPEC §2): one call grades every criterion; the request holds only the
 * instructions, the rubric and the artifact. Invalid, ambiguous, truncated or refused output is retried
 * once with the validation error; after that the grade is an error — a missing verdict is never a pass.
 * A `pass` whose quote is not in the artifact gets the same one retry, naming the quote; still
 * unverified, that criterion fails as unverified.
 */
export function createJudge(options: JudgeOptions): Judge {
  const { client } = options;
  return {
    async grade(rubric, artifact, signal) {
      const nonce = (options.nonce ?? makeNonce)(judgeData(artifact));
      // One set of tools per grade: its bounds cover the corrective retry too.
      const tools = rubric.tools && options.tools ? graderTools(options.tools, nonce) : undefined;
      const messages = buildJudgeMessages(
        rubric,
        forModel(artifact, client),
        nonce,
        tools ? { tools: { names: tools.specs.map((t) => t.name), maxCalls: TOOL_LIMITS.calls } } : {},
      );
      const schema = judgeJsonSchema(rubric);
      const cacheKey = judgeCacheKey(rubric);
      const maxOutputTokens =
        options.maxOutputTokens ?? Math.min(32_000, 1_024 + 400 * rubric.criteria.length);
      const calls: CallRecord[] = [];
      let feedback: { problem: string; instruction: string } | null = null;
      let truncated = false;
      // A complete grade whose only fault is unverified quotes: kept if the retry does no better.
      let fallback: Extract<Reading, { kind: "graded" }> | null = null;

      for (let attempt = 0; attempt < 2; attempt++) {
        const conversation = [...messages];
        if (feedback !== null) {
          conversation.push(correctiveMessage(nonce, feedback.problem, feedback.instruction));
        }
        let answer: ModelAnswer;
        try {
          answer = await client.complete({
            system: JUDGE_SYSTEM_PROMPT,
            messages: conversation,
            schemaName: JUDGE_SCHEMA_NAME,
            schemaDescription: "Per-criterion verdicts on the artifact.",
            schema,
            cacheKey,
            nonce,
            ...(tools ? { tools } : {}),
            // A truncated first answer gets twice the room on its corrective retry.
            maxOutputTokens: truncated ? Math.min(64_000, maxOutputTokens * 2) : maxOutputTokens,
            ...(signal ? { signal } : {}),
          });
        } catch (error) {
          if (error instanceof ToolLimitError) {
            // A bound of the tools was passed: the grade is an error, with the calls that were made.
            calls.push({
              role: "judge",
              model: client.id,
              usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
              latencyMs: 0,
              attempts: 1,
              invalidAnswer: error.message,
              toolCalls: tools?.calls.splice(0) ?? [],
            });
            return { kind: "error", error: `judge ${client.id}: ${error.message}`, calls };
          }
          // In a batch run: the answer is not in yet, and the file is graded again once it is.
          if (error instanceof BatchPending) throw error;
          const modelError = asModelError(error);
          return {
            kind: "error",
            error: `judge ${withoutPrefix(modelError.message, client.id)}`,
            modelError,
            calls,
          };
        }
        const record: CallRecord = {
          role: "judge",
          ...(tools ? { toolCalls: tools.calls.splice(0) } : {}),
          model: client.id,
          usage: answer.usage,
          latencyMs: answer.latencyMs,
          attempts: answer.attempts,
          invalidAnswer: null,
        };
        calls.push(record);
        truncated = answer.kind === "truncated";

        const reading = readAnswer(rubric, artifact, answer);
        if (reading.kind === "graded" && reading.unverified.length === 0) {
          return { ...reading.grade, calls };
        }
        if (reading.kind === "graded") {
          fallback = reading;
          record.invalidAnswer = `unverified evidence for ${reading.unverified.join(", ")}`;
          feedback = {
            problem: unverifiedProblem(reading),
            instruction:
              "Grade the same artifact again. Quote evidence only as it stands in the artifact, character for character; where the artifact holds nothing that supports a criterion, use an empty quote and fail it.",
          };
          continue;
        }
        record.invalidAnswer = reading.problem;
        feedback = {
          problem: reading.problem,
          instruction:
            "Grade the same artifact again and answer with exactly one complete structured result: every criterion id, each with evidence, explanation and verdict.",
        };
      }
      if (fallback !== null) return { ...failUnverified(fallback), calls };
      return {
        kind: "error",
        error: `judge ${client.id}: no valid answer after a corrective retry (${feedback?.problem ?? "unknown"})`,
        calls,
      };
    },
  };
}

function readAnswer(rubric: Rubric, artifact: Artifact, answer: ModelAnswer): Reading {
  switch (answer.kind) {
    case "truncated":
      return { kind: "problem", problem: "the answer was truncated at the output token limit" };
    case "refused":
      return { kind: "problem", problem: `the judge refused to answer (${answer.text.slice(0, 200)})` };
    case "ambiguous":
      return {
        kind: "problem",
        problem: `the answer holds ${answer.candidates} candidate results; exactly one is expected, and none is picked`,
      };
    case "answer":
      break;
  }
  const parsed = parseJudgeAnswer(rubric, answer.text);
  if (!parsed.ok) return { kind: "problem", problem: parsed.error };
  return toGrade(rubric, artifact, parsed.answer);
}

function toGrade(rubric: Rubric, artifact: Artifact, answer: JudgeAnswer): Reading {
  const verdicts: Record<string, CriterionVerdict> = {};
  const unverified: string[] = [];
  for (const criterion of rubric.criteria) {
    const given = answer.criteria[criterion.id];
    if (!given) throw new Error(`unreachable: validated answer lacks ${criterion.id}`);
    const location = locateEvidence(artifact.content, given.evidence);
    verdicts[criterion.id] = {
      verdict: given.verdict,
      evidence: given.evidence,
      explanation: given.explanation,
      evidenceVerified: location.verified,
      ...where(artifact, location.line),
    };
    // An empty quote is allowed (a criterion about an absence); an invented one is not.
    if (given.verdict === "pass" && given.evidence.trim() !== "" && !location.verified) {
      unverified.push(criterion.id);
    }
  }
  return {
    kind: "graded",
    grade: {
      kind: "graded",
      verdicts,
      applicable: answer.applicable,
      summary: answer.summary,
      calls: [],
    },
    unverified,
  };
}

function unverifiedProblem(reading: Extract<Reading, { kind: "graded" }>): string {
  const quotes = reading.unverified.map(
    (id) => `- ${id}: ${JSON.stringify(reading.grade.verdicts[id]?.evidence ?? "")}`,
  );
  return [
    "These criteria were passed with evidence that does not occur in the artifact (white space aside):",
    ...quotes,
  ].join("\n");
}

/** The grade with every unverified `pass` turned into a `fail` that says why. */
function failUnverified(reading: Extract<Reading, { kind: "graded" }>): Extract<Grade, { kind: "graded" }> {
  const verdicts = { ...reading.grade.verdicts };
  for (const id of reading.unverified) {
    const verdict = verdicts[id];
    if (!verdict) continue;
    verdicts[id] = {
      ...verdict,
      verdict: "fail",
      unverified: true,
      explanation: `Unverified: the judge passed this criterion, but its quote does not occur in the file, even after a retry that named it. The judge said: ${verdict.explanation}`,
    };
  }
  return { ...reading.grade, verdicts };
}

/** `id: message` as the adapters word it, else the message under the client's id. */
export function withoutPrefix(message: string, id: string): string {
  return message.startsWith(`${id}:`) ? message : `${id}: ${message}`;
}

const cacheKeys = new WeakMap<Rubric, string>();

/**
 * One key per rubric for every judge call that shares its prefix (instructions, rubric, schema): a
 * digest, so neither the rubric's text nor its path leaves the request body through it.
 */
export function judgeCacheKey(rubric: Rubric): string {
  let key = cacheKeys.get(rubric);
  if (key === undefined) {
    const digest = createHash("sha256")
      .update(JUDGE_SYSTEM_PROMPT)
      .update("\0")
      .update(renderRubric(rubric))
      .update("\0")
      .update(JSON.stringify(judgeJsonSchema(rubric)))
      .digest("hex");
    key = `rubric-gate-judge-${digest.slice(0, 32)}`;
    cacheKeys.set(rubric, key);
  }
  return key;
}

/** The verdict's line and location: a line of a text file, or the address in a rendering (no line). */
export function where(
  artifact: Artifact,
  line: number | null,
): { line: number | null; location: string | null } {
  if (line === null) return { line: null, location: null };
  if (artifact.format === undefined) return { line, location: `line ${line}` };
  return { line: null, location: addressAt(artifact.format, artifact.content, line) };
}

/** The artifact as this model gets it: a model that takes no images is told its pictures exist, unseen. */
function forModel(artifact: Artifact, client: ModelClient): Artifact {
  const images = artifact.images ?? [];
  if (client.takesImages !== false || images.length === 0) return artifact;
  const { images: _withheld, ...rest } = artifact;
  return { ...rest, picturesWithheld: images.length };
}
