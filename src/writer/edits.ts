import { z } from "zod";

export const EditSchema = z.object({ find: z.string(), replace: z.string() });
export const WriterAnswerSchema = z.object({ edits: z.array(EditSchema) });
export type Edit = z.infer<typeof EditSchema>;

export type EditResult = { ok: true; content: string; applied: number } | { ok: false; error: string };

/**
 * Applies find/replace edits in order (SPEC §3). Each `find` must occur exactly once in the text as it
 * is when that edit applies; otherwise the whole answer is rejected and nothing changes.
 */
export function applyEdits(content: string, edits: readonly Edit[]): EditResult {
  if (edits.length === 0) return { ok: false, error: "the answer holds no edits" };
  let current = content;
  for (const [index, edit] of edits.entries()) {
    const label = `edit ${index + 1} of ${edits.length}`;
    if (edit.find === "") return { ok: false, error: `${label}: "find" is empty` };
    const first = current.indexOf(edit.find);
    if (first < 0)
      return { ok: false, error: `${label}: "find" does not occur in the file (${preview(edit.find)})` };
    if (current.indexOf(edit.find, first + 1) >= 0) {
      return {
        ok: false,
        error: `${label}: "find" occurs more than once (${preview(edit.find)}); include more context to make it unique`,
      };
    }
    current = current.slice(0, first) + edit.replace + current.slice(first + edit.find.length);
  }
  return { ok: true, content: current, applied: edits.length };
}

function preview(text: string): string {
  const one = JSON.stringify(text);
  return one.length > 80 ? `${one.slice(0, 77)}…"` : one;
}
