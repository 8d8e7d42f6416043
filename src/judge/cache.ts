import { createHash } from "node:crypto";
import { z } from "zod";
import type { Rubric } from "../rubric/types.js";
import type { CriterionVerdict, Grade, Judge } from "./judge.js";
import { JUDGE_SYSTEM_PROMPT } from "./prompt.js";
import { JUDGE_SCHEMA_NAME } from "./schema.js";

/**
 * Version of the judge's request layout and answer schema, part of every cache key. Bump it when the
 * user message, the schema or the verdict validation changes: old entries then simply miss. (The
 * system prompt is hashed into the key as well, so editing it needs no bump.)
 */
export const VERDICT_CACHE_VERSION = 3;

/** Where a CLI run keeps its verdict cache when `--cache` is given without thinking about it. */
export const DEFAULT_CACHE_DIR = ".rubric-gate/cache";

const CachedVerdictSchema = z.object({
  verdict: z.enum(["pass", "fail"]),
  evidence: z.string(),
  explanation: z.string(),
  evidenceVerified: z.boolean(),
  line: z.number().int().positive().nullable(),
  location: z.string().nullable(),
  unverified: z.boolean().optional(),
  votes: z.object({ pass: z.number().int().nonnegative(), fail: z.number().int().nonnegative() }).optional(),
  uncertain: z.boolean().optional(),
});

/** One cached grade, as a store keeps it. */
export const CachedGradeSchema = z.object({
  version: z.literal(VERDICT_CACHE_VERSION),
  /** The key it was stored under: an entry copied to another key is not trusted. */
  key: z.string(),
  judge: z.string(),
  rubric: z.string(),
  path: z.string(),
  created_at: z.string(),
  verdicts: z.record(z.string(), CachedVerdictSchema),
  applicable: z.boolean(),
  summary: z.string(),
});
export type CachedGrade = z.infer<typeof CachedGradeSchema>;

/**
 * Where cached grades live: a directory (`createFileVerdictStore`), memory, or whatever the Action
 * persists between runs. `get` may return anything — a corrupt or foreign entry is ignored — and
 * either method may fail: the cache is an optimisation, never a reason for a run to fail.
 */
export interface VerdictStore {
  get(key: string): Promise<unknown>;
  set(key: string, entry: CachedGrade): Promise<void>;
}

/** What identifies one grade: the judge (all panel members and samples), the rubric and the artifact. */
export interface VerdictKeyParts {
  /** `provider:model`, or the panel's members and samples. */
  judge: string;
  /** sha256 of the rubric file. */
  rubricHash: string;
  /** The request names the file, so a renamed file is graded again. */
  path: string;
  content: string;
  /** The reference files the judge read beside it: other reference text, another grade. */
  context?: ReadonlyArray<{ path: string; content: string }>;
}

let promptHash: string | undefined;

/** The cache key: sha256 over the cache version, the judge's prompt, the judge, the rubric and the artifact. */
export function verdictCacheKey(parts: VerdictKeyParts): string {
  promptHash ??= sha256(`${JUDGE_SCHEMA_NAME}\n${JUDGE_SYSTEM_PROMPT}`);
  return sha256(
    JSON.stringify([
      VERDICT_CACHE_VERSION,
      promptHash,
      parts.judge,
      parts.rubricHash,
      parts.path,
      parts.content,
      ...(parts.context ? [parts.context.map((f) => [f.path, f.content])] : []),
    ]),
  );
}

export interface VerdictCacheOptions {
  store: VerdictStore;
  /** Identifies the judge in the key (see `VerdictKeyParts.judge`). */
  judge: string;
  /** Told when the store fails to read or write; the grade goes on without the cache. */
  onStoreError?: (error: unknown) => void;
}

/**
 * A judge that answers from the cache when this exact artifact was already graded by the same judge
 * against the same rubric, and otherwise asks the judge and stores a successful grade (never an error).
 * A cached grade makes no call and costs nothing; it is marked `cached`.
 */
export function withVerdictCache(judge: Judge, options: VerdictCacheOptions): Judge {
  const { store } = options;
  return {
    async grade(rubric, artifact, signal) {
      const key = verdictCacheKey({
        judge: options.judge,
        rubricHash: rubric.hash,
        path: artifact.path,
        content: artifact.content,
        ...(artifact.context?.length ? { context: artifact.context } : {}),
      });
      let stored: unknown;
      try {
        stored = await store.get(key);
      } catch (error) {
        options.onStoreError?.(error);
      }
      const hit = fromEntry(stored, key, rubric);
      if (hit) return hit;

      const grade = await judge.grade(rubric, artifact, signal);
      if (grade.kind === "graded" && grade.cached !== true) {
        try {
          await store.set(key, toEntry(grade, key, options.judge, rubric, artifact.path));
        } catch (error) {
          options.onStoreError?.(error);
        }
      }
      return grade;
    },
  };
}

/** A store in memory, for tests and for one process's lifetime. */
export function createMemoryVerdictStore(): VerdictStore & { entries: Map<string, CachedGrade> } {
  const entries = new Map<string, CachedGrade>();
  return {
    entries,
    get: (key) => Promise.resolve(entries.get(key)),
    set: (key, entry) => {
      entries.set(key, entry);
      return Promise.resolve();
    },
  };
}

function fromEntry(stored: unknown, key: string, rubric: Rubric): Grade | null {
  if (stored === undefined || stored === null) return null;
  const parsed = CachedGradeSchema.safeParse(stored);
  if (!parsed.success || parsed.data.key !== key) return null;
  const entry = parsed.data;
  // The key covers the rubric's bytes, but a verdict per criterion is what the report relies on.
  const ids = rubric.criteria.map((c) => c.id);
  const cachedIds = Object.keys(entry.verdicts);
  if (cachedIds.length !== ids.length || !ids.every((id) => id in entry.verdicts)) return null;
  const verdicts: Record<string, CriterionVerdict> = {};
  for (const id of ids) {
    const v = entry.verdicts[id];
    if (!v) return null;
    verdicts[id] = {
      verdict: v.verdict,
      evidence: v.evidence,
      explanation: v.explanation,
      evidenceVerified: v.evidenceVerified,
      line: v.line,
      location: v.location,
      ...(v.unverified ? { unverified: true } : {}),
      ...(v.votes ? { votes: v.votes } : {}),
      ...(v.uncertain === undefined ? {} : { uncertain: v.uncertain }),
    };
  }
  return {
    kind: "graded",
    verdicts,
    applicable: entry.applicable,
    summary: entry.summary,
    calls: [],
    cached: true,
  };
}

function toEntry(
  grade: Extract<Grade, { kind: "graded" }>,
  key: string,
  judge: string,
  rubric: Rubric,
  path: string,
): CachedGrade {
  return {
    version: VERDICT_CACHE_VERSION,
    key,
    judge,
    rubric: rubric.path,
    path,
    created_at: new Date().toISOString(),
    verdicts: grade.verdicts,
    applicable: grade.applicable,
    summary: grade.summary,
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
