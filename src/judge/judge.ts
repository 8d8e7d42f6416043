import { asModelError, type ModelClient, type ModelError, type Usage } from "../providers/types.js";
import type { Rubric } from "../rubric/types.js";
import { locateEvidence } from "./evidence.js";
import { buildJudgeMessages, JUDGE_SYSTEM_PROMPT, makeNonce, type Artifact } from "./prompt.js";
import { judgeJsonSchema, JUDGE_SCHEMA_NAME, parseJudgeAnswer } from "./schema.js";

export interface CriterionVerdict {
  verdict: "pass" | "fail";
  evidence: string;
  explanation: string;
  evidenceVerified: boolean;
  line: number | null;
  /** A panel's tally (several judges or samples); absent for a single call. */
  votes?: { pass: number; fail: number };
  /** A panel without a strict majority of `pass` that still had a `pass` vote: never counts as a pass. */
  uncertain?: boolean;
}

export interface CallRecord {
  role: "judge" | "writer";
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
  /** Output budget of one judge answer, before scaling by the number of criteria. */
  maxOutputTokens?: number;
  nonce?: (content: string) => string;
}

/**
 * The isolated judge (SPEC §2): one call grades every criterion; the request holds only the
 * instructions, the rubric and the artifact. Invalid, truncated or refused output is retried once with
 * the validation error; after that the grade is an error — a missing verdict is never a pass.
 */
export function createJudge(options: JudgeOptions): Judge {
  const { client } = options;
  return {
    async grade(rubric, artifact, signal) {
      const nonce = (options.nonce ?? makeNonce)(artifact.content);
      const messages = buildJudgeMessages(rubric, artifact, nonce);
      const schema = judgeJsonSchema(rubric);
      const maxOutputTokens =
        options.maxOutputTokens ?? Math.min(32_000, 1_024 + 400 * rubric.criteria.length);
      const calls: CallRecord[] = [];
      let previousError: string | null = null;
      let truncated = false;

      for (let attempt = 0; attempt < 2; attempt++) {
        const conversation = [...messages];
        if (previousError !== null) {
          conversation.push({
            role: "user",
            content: `Your previous answer was rejected: ${previousError}. Grade the same artifact again and answer with the complete structured result: every criterion id, each with evidence, explanation and verdict.`,
          });
        }
        let answer;
        try {
          answer = await client.complete({
            system: JUDGE_SYSTEM_PROMPT,
            messages: conversation,
            schemaName: JUDGE_SCHEMA_NAME,
            schemaDescription: "Per-criterion verdicts on the artifact.",
            schema,
            // A truncated first answer gets twice the room on its corrective retry.
            maxOutputTokens: truncated ? Math.min(64_000, maxOutputTokens * 2) : maxOutputTokens,
            ...(signal ? { signal } : {}),
          });
        } catch (error) {
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
          model: client.id,
          usage: answer.usage,
          latencyMs: answer.latencyMs,
          attempts: answer.attempts,
          invalidAnswer: null,
        };
        calls.push(record);

        let problem: string;
        truncated = answer.kind === "truncated";
        if (answer.kind === "truncated") {
          problem = "the answer was truncated at the output token limit";
        } else if (answer.kind === "refused") {
          problem = `the judge refused to answer (${answer.text.slice(0, 200)})`;
        } else {
          const parsed = parseJudgeAnswer(rubric, answer.text);
          if (parsed.ok) {
            const verdicts: Record<string, CriterionVerdict> = {};
            for (const criterion of rubric.criteria) {
              const given = parsed.answer.criteria[criterion.id];
              if (!given) throw new Error(`unreachable: validated answer lacks ${criterion.id}`);
              const location = locateEvidence(artifact.content, given.evidence);
              verdicts[criterion.id] = {
                verdict: given.verdict,
                evidence: given.evidence,
                explanation: given.explanation,
                evidenceVerified: location.verified,
                line: location.line,
              };
            }
            return {
              kind: "graded",
              verdicts,
              applicable: parsed.answer.applicable,
              summary: parsed.answer.summary,
              calls,
            };
          }
          problem = parsed.error;
        }
        record.invalidAnswer = problem;
        previousError = problem;
      }
      return {
        kind: "error",
        error: `judge ${client.id}: no valid answer after a corrective retry (${previousError ?? "unknown"})`,
        calls,
      };
    },
  };
}

/** `id: message` as the adapters word it, else the message under the client's id. */
export function withoutPrefix(message: string, id: string): string {
  return message.startsWith(`${id}:`) ? message : `${id}: ${message}`;
}
