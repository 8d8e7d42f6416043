import { Minimatch } from "minimatch";
import { stringify } from "yaml";
import { z } from "zod";
import type { CallRecord } from "../judge/judge.js";
import { withoutPrefix } from "../judge/judge.js";
import {
  correctiveMessage,
  dataBlock,
  DATA_RULE,
  makeNonce,
  nonceLine,
  pathBlock,
  picturesNote,
  renderedFrom,
  type Artifact,
} from "../judge/prompt.js";
import {
  asModelError,
  type ChatMessage,
  type JsonSchema,
  type ModelClient,
  type ModelError,
} from "../ports/models.js";
import { isValidCriterionId, slugify } from "../rubric/ids.js";

export const DRAFT_SCHEMA_NAME = "rubric_draft";

/** What the writer proposes: the rubric's description, `files` globs and criteria. */
const DRAFT_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    description: {
      type: "string",
      description:
        "What this kind of artifact is meant to be, in one or two sentences: its purpose and its reader.",
    },
    files: {
      type: "array",
      description:
        "Globs relative to the repository root of the files this rubric should grade, e.g. docs/**/*.md.",
      items: { type: "string" },
    },
    criteria: {
      type: "array",
      description: "Between 4 and 10 criteria.",
      items: {
        type: "object",
        properties: {
          id: { type: "string", description: "A short lowercase-kebab-case id, e.g. states-scope." },
          section: { type: "string", description: "The heading it belongs under, e.g. Content or Form." },
          text: {
            type: "string",
            description: "One checkable property of the finished artifact, in the present tense.",
          },
          advisory: {
            type: "boolean",
            description: "True for a nice-to-have that should not fail the gate.",
          },
        },
        required: ["id", "section", "text", "advisory"],
        additionalProperties: false,
      },
    },
  },
  required: ["description", "files", "criteria"],
  additionalProperties: false,
};

const DraftAnswer = z.object({
  description: z.string().trim().min(1),
  files: z.array(z.string()),
  criteria: z
    .array(
      z.object({
        id: z.string(),
        section: z.string(),
        text: z.string().trim().min(1),
        advisory: z.boolean(),
      }),
    )
    .min(1)
    .max(30),
});
export type DraftAnswer = z.infer<typeof DraftAnswer>;

export const DRAFT_SYSTEM_PROMPT = `You draft a grading rubric from one known-good example of an artifact.

Rules:
${DATA_RULE}
- Describe the KIND of artifact the example is, not this one file: the rubric will grade every file of that kind.
- Each criterion states one checkable property of a good artifact of this kind, in the present tense, so that a reviewer could quote the sentence that meets it ("Opens with a sentence that says who the page is for").
- One requirement per criterion: no "and" joining two demands, no lists of several things to check.
- No vague judgements ("is clear", "well written", "high quality", "appropriate") and no instructions to a person ("Run …", "Make sure …", "You should …").
- The example must pass every criterion you write.
- Suggest "files" globs for files of this kind, relative to the repository root.`;

/** The writer's user message: the example's path and content, each in a nonce-delimited data block. */
export function buildDraftMessage(example: DraftExample, nonce: string): string {
  const { path, content, format } = example;
  return [
    "Draft a rubric for files of the kind of this known-good example.",
    "",
    nonceLine(nonce),
    "",
    "The example's path, as a JSON string:",
    pathBlock(nonce, path),
    "",
    format === undefined
      ? "The example:"
      : `The example, ${renderedFrom(format)}. It is a generated file: criteria describe what it contains, never how to edit it:`,
    dataBlock("artifact", nonce, content),
    ...(example.images || example.picturesWithheld ? ["", ...picturesNote(example)] : []),
  ].join("\n");
}

/** The known-good example a rubric is drafted from: a text file, or the rendering of a generated one. */
export type DraftExample = Pick<Artifact, "path" | "content" | "format" | "images" | "picturesWithheld">;

export type DraftResult =
  | { kind: "draft"; answer: DraftAnswer; calls: CallRecord[] }
  | { kind: "error"; error: string; modelError?: ModelError; calls: CallRecord[] };

/** Asks the writer for a draft; an invalid answer is retried once with the validation error. */
export async function requestDraft(
  client: ModelClient,
  given: DraftExample,
  signal?: AbortSignal,
): Promise<DraftResult> {
  const images = given.images ?? [];
  // A model that takes no images is told the pictures are there, unseen (as the judge is).
  const example: DraftExample =
    client.takesImages === false && images.length > 0
      ? {
          path: given.path,
          content: given.content,
          ...(given.format ? { format: given.format } : {}),
          picturesWithheld: images.length,
        }
      : given;
  const nonce = makeNonce([example.path, example.content]);
  const message = buildDraftMessage(example, nonce);
  const sent = example.images ?? [];
  const calls: CallRecord[] = [];
  let previous: string | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    const messages: ChatMessage[] = [
      { role: "user", content: message, ...(sent.length > 0 ? { images: sent } : {}) },
    ];
    if (previous !== null) {
      messages.push(correctiveMessage(nonce, previous, "Answer again with the complete structured draft."));
    }
    let answer;
    try {
      answer = await client.complete({
        system: DRAFT_SYSTEM_PROMPT,
        messages,
        schemaName: DRAFT_SCHEMA_NAME,
        schemaDescription: "A draft rubric: description, files globs and criteria.",
        schema: DRAFT_SCHEMA,
        maxOutputTokens: 4_000,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      const modelError = asModelError(error);
      return {
        kind: "error",
        error: `writer ${withoutPrefix(modelError.message, client.id)}`,
        modelError,
        calls,
      };
    }
    calls.push({
      role: "writer",
      model: client.id,
      usage: answer.usage,
      latencyMs: answer.latencyMs,
      attempts: answer.attempts,
      invalidAnswer: null,
    });
    if (answer.kind !== "answer") {
      previous =
        answer.kind === "truncated"
          ? "the answer was truncated"
          : answer.kind === "ambiguous"
            ? `the answer holds ${answer.candidates} candidate results; exactly one is expected`
            : "the model refused to answer";
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(answer.text);
    } catch {
      previous = "the answer is not valid JSON";
      continue;
    }
    const parsed = DraftAnswer.safeParse(raw);
    if (parsed.success) return { kind: "draft", answer: parsed.data, calls };
    previous = `the answer does not match the schema: ${parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ")}`;
  }
  return {
    kind: "error",
    error: `writer ${client.id}: no valid draft after a corrective retry (${previous ?? "unknown"})`,
    calls,
  };
}

/** One line of plain criterion text: no list marker, heading mark, task box or attribute block. */
function cleanText(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^(?:[-*+]\s+|\d+[.)]\s+)+/, "")
    .replace(/^\[(?:advisory|[ xX])\]\s*/i, "")
    .replace(/^#+\s*/, "")
    .replace(/\s*\{[^{}]*\}$/, "")
    .trim();
}

/**
 * Renders the draft as a rubric file: front matter (`files`, `description`), a review note, and the
 * criteria grouped by section with explicit ids (made valid and unique). Globs that would not grade
 * the source file get the source path added, so the rubric grades at least its own example.
 */
export function renderDraft(answer: DraftAnswer, source: string, model: string): string {
  const globs = [
    ...new Set(answer.files.map((glob) => glob.trim().replace(/^(?:\.\/)+/, "")).filter(Boolean)),
  ];
  const matches = (glob: string) => !glob.startsWith("!") && new Minimatch(glob, { dot: true }).match(source);
  const files = globs.some(matches) ? globs : [source, ...globs];
  const front = stringify(
    { files, description: answer.description.replace(/\s+/g, " ").trim() },
    { lineWidth: 100 },
  );

  const used = new Set<string>();
  const sections = new Map<string, string[]>();
  for (const criterion of answer.criteria) {
    const text = cleanText(criterion.text);
    if (!text) continue;
    const base =
      (isValidCriterionId(criterion.id) ? criterion.id : slugify(criterion.id || text)).slice(0, 56) ||
      "criterion";
    let id = base;
    for (let n = 2; used.has(id) || !isValidCriterionId(id); n++) id = `${base}-${n}`;
    used.add(id);
    const section = criterion.section.replace(/[#\s]+/g, " ").trim() || "Criteria";
    const items = sections.get(section) ?? [];
    items.push(`- ${criterion.advisory ? "[advisory] " : ""}${text} {#${id}}`);
    sections.set(section, items);
  }
  const body = [...sections].map(([section, items]) => `## ${section}\n\n${items.join("\n")}`).join("\n\n");
  // A path or model name holding "--" or ">" must not close the comment early.
  const inComment = (text: string) => text.replace(/-{2,}/g, "-").replace(/>/g, "");
  return (
    `---\n${front}---\n\n` +
    `<!-- Drafted by rubric-gate init from ${inComment(source)} with ${inComment(model)}. Review every criterion:\n` +
    `     it must hold for every good file of this kind, not only for this one. -->\n\n` +
    `${body}\n`
  );
}
