import { createHash } from "node:crypto";

/** Ids become JSON-schema property names; Anthropic limits those to `[a-zA-Z0-9_.-]{1,64}`. */
export const CRITERION_ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

const MAX_ID_LENGTH = 64;
const HASH_SUFFIX_LENGTH = 6;

/** True when `id` may be used as a criterion id. */
export function isValidCriterionId(id: string): boolean {
  return CRITERION_ID_PATTERN.test(id);
}

/** Lowercase ASCII slug: accents folded by NFKD, other non-ASCII letters dropped, the rest joined by "-". */
export function slugify(text: string): string {
  return (
    text
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      // Letters and digits NFKD could not fold to ASCII are dropped, not turned into separators.
      .replace(/[^\x00-\x7f]/gu, (char) => (/[\p{L}\p{N}]/u.test(char) ? "" : " "))
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
  );
}

function shortHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, HASH_SUFFIX_LENGTH);
}

/**
 * The stable id of a criterion without an explicit `{#id}`: slug of the section's last heading and
 * of the text, joined with "."; cut and suffixed with a short hash when longer than 64 characters.
 */
export function deriveCriterionId(section: string, text: string): string {
  const headings = section.split(" > ");
  const sectionSlug = slugify(headings[headings.length - 1] ?? "");
  // Text with nothing sluggable (say, all CJK) still needs a distinct, stable id.
  const textSlug = slugify(text) || `criterion-${shortHash(`${section}\n${text}`)}`;
  const id = sectionSlug ? `${sectionSlug}.${textSlug}` : textSlug;
  if (id.length <= MAX_ID_LENGTH) return id;
  const head = id.slice(0, MAX_ID_LENGTH - HASH_SUFFIX_LENGTH - 1).replace(/[-.]+$/, "");
  return `${head}-${shortHash(`${section}\n${text}`)}`;
}
