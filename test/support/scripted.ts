/**
 * Scripted model behaviour for end-to-end tests, on top of the local model server: a judge whose
 * verdicts are rules over the artifact it was actually sent (extracted from between the nonce
 * delimiters), and a writer whose edits are computed from the artifact it was sent. Both answer in
 * the real wire format through `startModelServer`, so the SDKs, the validation and the loop are real.
 */
import {
  requestSchema,
  requestSchemaName,
  requestText,
  type CapturedRequest,
  type Handler,
  type Reply,
} from "./model-server.js";

/** The artifact of a judge or writer request, as it stands between the nonce delimiters. */
export function artifactOf(req: CapturedRequest): string {
  const text = requestText(req);
  const nonce = /NONCE(?: is|:) ([0-9a-f]{24})/.exec(text)?.[1];
  if (!nonce) throw new Error("no nonce in the request");
  const open = `<artifact-${nonce}>\n`;
  const start = text.indexOf(open);
  const end = text.indexOf(`\n</artifact-${nonce}>`, start + open.length);
  if (start < 0 || end < 0) throw new Error("no delimited artifact in the request");
  return text.slice(start + open.length, end);
}

/** Criterion ids the judge schema asks for, in order. */
export function criterionIds(req: CapturedRequest): string[] {
  const criteria = (requestSchema(req)?.properties as Record<string, { required?: string[] }> | undefined)
    ?.criteria;
  return criteria?.required ?? [];
}

export function isJudgeRequest(req: CapturedRequest): boolean {
  return requestSchemaName(req) === "rubric_verdicts";
}

/** A rule per criterion id: pass when it returns a quote (evidence) or true; fail on false/null. */
export type Rule = (artifact: string) => string | boolean | null;

/** Verdicts as a real judge would send them, from rules over the artifact; unknown ids fail. */
export function verdictsFor(ids: string[], artifact: string, rules: Record<string, Rule>, applicable = true) {
  const criteria: Record<string, { evidence: string; explanation: string; verdict: "pass" | "fail" }> = {};
  for (const id of ids) {
    const outcome = rules[id]?.(artifact) ?? false;
    const pass = outcome !== false && outcome !== null;
    criteria[id] = {
      evidence: typeof outcome === "string" ? outcome : "",
      explanation: pass ? `${id} is met` : `${id} is missing`,
      verdict: pass ? "pass" : "fail",
    };
  }
  return { criteria, applicable, summary: applicable ? "graded" : "the rubric does not apply" };
}

/** A rule that passes when the artifact contains `needle`, quoting it as evidence. */
export const contains =
  (needle: string): Rule =>
  (artifact) =>
    artifact.includes(needle) ? needle : false;

export interface Script {
  /** Rules of the judge; or a function of the request for full control. */
  judge: Record<string, Rule> | ((req: CapturedRequest, ids: string[], artifact: string) => Reply);
  /** The writer: edits for the artifact it was sent, or a raw reply. */
  writer?: (artifact: string, req: CapturedRequest) => Reply | Array<{ find: string; replace: string }>;
}

/** A model-server handler that routes judge requests to the judge script and the rest to the writer. */
export function scripted(script: Script): Handler {
  return (req) => {
    if (isJudgeRequest(req)) {
      const ids = criterionIds(req);
      const artifact = artifactOf(req);
      if (typeof script.judge === "function") return script.judge(req, ids, artifact);
      return { json: verdictsFor(ids, artifact, script.judge) };
    }
    if (!script.writer) return { status: 500, error: { message: "this test scripts no writer" } };
    const out = script.writer(artifactOf(req), req);
    return Array.isArray(out) ? { json: { edits: out } } : out;
  };
}
