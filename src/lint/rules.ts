/**
 * The rubric linter's checks on one criterion's text. Each is a deterministic heuristic that returns
 * why the text is a problem, or null; `lint.ts` turns the reasons into findings with `file:line`.
 */
import { contentTokens, words } from "./text.js";

// ---- vague criteria ----

const VAGUE: RegExp[] = [
  /\blooks? (?:good|nice|great|fine|ok(?:ay)?|professional|clean|polished|right)\b/i,
  /\bhigh[- ]quality\b/i,
  /\bwell[- ](?:written|structured|organi[sz]ed|documented|designed|formatted|explained|presented)\b/i,
  /\b(?:good|nice|great|decent|solid|appropriate(?:ly)?|clear(?:ly)?|concise(?:ly)?|readable|understandable|user[- ]friendly|intuitive|engaging|polished|professional|adequate(?:ly)?|sufficient(?:ly)?|proper(?:ly)?|reasonable|suitable|meaningful|helpful|useful|effective(?:ly)?|comprehensive|thorough|robust|easy to (?:read|understand|follow|use))\b/i,
];

// Something a reader could point at: a number, a quoted string, a named part of the artifact, or a verb
// that says what must be there.
const ANCHOR_NOUNS =
  /\b(?:sections?|headings?|titles?|examples?|commands?|code blocks?|tables?|links?|urls?|flags?|options?|sentences?|paragraphs?|steps?|errors?|exit codes?|lists?|diagrams?|screenshots?|images?|versions?|words?|lines?|pages?|files?|paths?|keys?|fields?|ids?|acronyms?|glossary|summary|summaries|changelog|licen[cs]e|parameters?|arguments?|defaults?|functions?|values?|units?|dates?|numbers?|quotes?|citations?|footnotes?|bullets?|columns?|rows?)\b/i;
const ANCHOR_VERBS =
  /\b(?:names?|lists?|links?|quotes?|defines?|states?|says?|shows?|gives?|includes?|contains?|mentions?|documents?|cites?|(?:opens?|ends?|starts?|begins?) with|explains?|describes?|answers?|warns?|points? to|refers? to|specif(?:y|ies)|compares?|labels?)\b/i;

/** The vague phrase of a criterion with nothing checkable beside it, or null. */
export function vagueTerm(text: string, raw: string): string | null {
  const term = VAGUE.map((pattern) => pattern.exec(text)?.[0]).find((match) => match !== undefined);
  if (term === undefined) return null;
  const checkable =
    /\d/.test(text) || /[`"“”«»]/.test(raw) || ANCHOR_NOUNS.test(text) || ANCHOR_VERBS.test(text);
  return checkable ? null : term;
}

// ---- compound criteria ----

/** Third-person verbs that start a second requirement after "and" ("… and lists the flags"). */
const CRITERION_VERBS = new Set(
  (
    "has is does gives shows lists names explains describes states says includes contains links uses " +
    "defines documents mentions provides opens ends starts begins covers answers avoids keeps puts " +
    "points quotes refers tells warns notes offers presents specifies summarizes summarises introduces " +
    "compares follows matches returns cites walks lets makes marks sets stays fits spells adds closes " +
    "separates groups orders sorts runs ships carries"
  ).split(" "),
);
const SUBORDINATE = /\b(?:that|which|who|whose|where|when|how|what|whether|if|so|because|while)\b/i;
const ITEM = String.raw`[\p{L}][\p{L}\p{N}'’\-]*(?:\s+[\p{L}\p{N}][\p{L}\p{N}'’\-]*){0,2}`;
const COMMA_LIST = new RegExp(
  String.raw`(${ITEM}),\s+(${ITEM})(?:,\s+(${ITEM}))*,?\s+(?:and|or)\s+(${ITEM})`,
  "iu",
);
const AND_LIST = new RegExp(String.raw`(${ITEM})\s+and\s+(${ITEM})\s+and\s+(${ITEM})`, "iu");
const NOT_AN_ITEM =
  /^(?:with|without|in|on|at|for|from|by|to|into|that|which|who|where|when|so|but|because|if|unless|e\.g|i\.e|such|each|every|its|their)\b/i;

/** Why a criterion holds several requirements, or null. */
export function compoundReason(text: string): string | null {
  const clauses = text.split(/;\s*/).filter((clause) => words(clause).length >= 2);
  if (clauses.length >= 2) return `it joins ${clauses.length} requirements with ";"`;

  // "… and lists …": a second verb phrase. Inside a relative clause ("a command that installs X and
  // runs Y") the verbs describe one thing, unless a comma closes the clause first (", and says …").
  for (const match of text.matchAll(/(,?)\s+(?:and|as well as)\s+(?:also\s+)?(\p{L}+)/giu)) {
    const verb = (match[2] ?? "").toLowerCase();
    if (!CRITERION_VERBS.has(verb)) continue;
    const before = text.slice(0, match.index);
    if (match[1] === "," || !SUBORDINATE.test(before)) {
      return `it joins two requirements: "… ${verb} …" starts a second one`;
    }
  }

  // "installation, usage and errors": a list of three or more things, each to be checked on its own.
  for (const pattern of [COMMA_LIST, AND_LIST]) {
    const match = pattern.exec(text);
    if (!match) continue;
    const items = match.slice(1).filter((item): item is string => item !== undefined);
    if (items.slice(1).some((item) => NOT_AN_ITEM.test(item))) continue;
    return `it lists ${items.length} things to check at once (${items
      .map((item) => item.trim())
      .slice(-3)
      .join(", ")})`;
  }
  return null;
}

// ---- prescriptive criteria ----

const PRESCRIPTIVE_OPENING =
  /^(?:please\s+)?(?:make sure|be sure|ensure|remember|try to|don't|do not|you (?:should|must|need to|have to|can|will)|(?:the )?(?:author|writer|user|reader)s? (?:should|must|needs? to|has to))\b/i;
// Base-form verbs that open an instruction to a person ("Run the tests", "Add an example").
const IMPERATIVE = new Set(
  (
    "run make ensure add write use include check verify remove avoid describe explain mention provide " +
    "give show keep put update fix rewrite create define consider try remember do be have cite validate " +
    "read follow prefer replace refer fill delete move split summarize summarise clarify specify insert " +
    "introduce compare present tell warn say go get install build deploy"
  ).split(" "),
);
// Verbs that are also nouns ("Test names describe …"): an instruction only before a determiner.
const IMPERATIVE_IF_DETERMINER = new Set(
  "list name link state quote note test set point answer review change format cover end start open document report display return sort limit label outline detail structure".split(
    " ",
  ),
);
const DETERMINER =
  /^(?:the|a|an|every|each|all|any|at|its|their|your|this|these|those|one|two|three|some|no|both)$/i;

/** The instruction a criterion opens with instead of describing the artifact, or null. */
export function prescriptiveOpening(text: string): string | null {
  const opening = PRESCRIPTIVE_OPENING.exec(text);
  if (opening) return opening[0];
  const [first = "", second = ""] = words(text);
  if (second === "of") return null;
  const original = text.trim().split(/\s+/)[0] ?? "";
  if (IMPERATIVE.has(first)) return original;
  if (IMPERATIVE_IF_DETERMINER.has(first) && DETERMINER.test(second)) return original;
  return null;
}

// A sequence of steps: "First …, then …", "Start by …, then …".
const SEQUENCE_OPENING =
  /^(?:first(?:ly)?|to (?:start|begin)|start (?:by|with)|begin (?:by|with)|step (?:1|one))\b[,:]?\s/i;
const SEQUENCE_NEXT = /\b(?:then|next|after that|afterwards|finally|and then|step (?:2|two))\b/i;

/** The sequence of steps a criterion prescribes ("First …, then …"), or null. */
export function prescribedSequence(text: string): string | null {
  const opening = SEQUENCE_OPENING.exec(text);
  if (!opening) return null;
  const next = SEQUENCE_NEXT.exec(text.slice(opening[0].length));
  return next ? `${opening[0].trim()} … ${next[0]} …` : null;
}

// ---- mechanical criteria ----

const PLACEHOLDERS = String.raw`TODO|FIXME|TBD|XXX|lorem ipsum`;
const NO_TOKEN = new RegExp(
  String.raw`\b(?:contains?|has|leaves?|includes?|with)\s+no\s+(?:"([^"]+)"|[\x60]([^\x60]+)[\x60]|(${PLACEHOLDERS}))|\bno\s+(${PLACEHOLDERS})s?\b(?:\s+(?:is|are)\s+left)?`,
  "i",
);
const LINKS_RESOLVE =
  /\b(?:no broken (?:relative |internal )?links?|(?:all|every|each)?\s*(?:relative |internal )?links?\b[^.]*\b(?:resolves?|work|are valid|is valid|points? to (?:an )?existing)\b)/i;
const CONTAINS_LITERAL =
  /\b(?:contains|includes|mentions) the (?:text|string|phrase|word) (?:"([^"]+)"|`([^`]+)`)/i;

/**
 * The deterministic check a plainly mechanical criterion could be (SPEC §10): an absence of a
 * placeholder, links that resolve, a word count, a literal phrase. Null when a model is needed.
 */
export function mechanicalCheck(text: string): string | null {
  const token = NO_TOKEN.exec(text);
  if (token) {
    const pattern = token[1] ?? token[2] ?? token[3] ?? token[4] ?? "";
    return `check=absent pattern=${JSON.stringify(pattern)}`;
  }
  if (LINKS_RESOLVE.test(text)) return "check=links";
  // A count of the whole file's words, not of a part ("500 words of explanation", "per section").
  const whole = (a: Amount) => {
    const after = text.slice(text.indexOf(a.phrase) + a.phrase.length);
    return a.unit === "word" && !/^\s+(?:of|per|in (?:the|each|every))\b/i.test(after);
  };
  const words = lengthCaps(text).filter((a) => whole(a) && !/^(?:one|a single|single)/i.test(a.phrase));
  const minimum = lengthMinimums(text).find(whole);
  if (words.length > 0 || minimum) {
    return `check=words${minimum ? ` min=${minimum.value}` : ""}${words[0] ? ` max=${words[0].value}` : ""}`;
  }
  const literal = CONTAINS_LITERAL.exec(text);
  if (literal) return `check=contains pattern=${JSON.stringify(literal[1] ?? literal[2] ?? "")}`;
  return null;
}

// ---- contradictions ----

const NEGATED_MENTION =
  /\b(?:must not|mustn't|does not|doesn't|do not|don't|should not|shouldn't|never|may not|cannot|can't)\s+(?:mentions?|names?|includes?|contains?|discuss(?:es)?|references?|uses?|shows?|lists?|links? to|refers? to|quotes?|describes?|explains?|promises?)\s+([^.;:()]+)/i;
const NO_MENTION =
  /\b(?:no (?:mention|reference|discussion)s? of|without (?:mentioning|naming|discussing|referencing|using|showing))\s+([^.;:()]+)/i;

/** What a criterion forbids ("must not mention X" → X, split at "or"/"and"/","), with where it starts. */
export function forbiddenTopics(text: string): { topics: string[]; at: number } | null {
  const match = NEGATED_MENTION.exec(text) ?? NO_MENTION.exec(text);
  if (!match) return null;
  const topics = (match[1] ?? "")
    .split(/,\s*|\s+(?:or|and|nor)\s+/)
    .map((topic) => topic.trim())
    .filter((topic) => contentTokens(topic).length > 0);
  return topics.length > 0 ? { topics, at: match.index } : null;
}

/** True when every content word of `topic` occurs in `text`. */
export function mentionsTopic(text: string, topic: string): boolean {
  const have = new Set(contentTokens(text));
  const want = contentTokens(topic).filter(
    (token) => !["any", "mention", "specific", "particular"].includes(token),
  );
  return want.length > 0 && want.every((token) => have.has(token));
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  fifty: 50,
  hundred: 100,
};
const UNIT = String.raw`(words?|lines?|sentences?|pages?|paragraphs?|sections?|headings?|examples?|characters?)`;
const AMOUNT = String.raw`(\d[\d,]*|${Object.keys(NUMBER_WORDS).join("|")})`;
const CAP = new RegExp(
  String.raw`\b(?:under|at most|no more than|fewer than|less than|max(?:imum)?(?: of)?|up to|not (?:over|more than)|within)\s+${AMOUNT}\s+${UNIT}\b`,
  "gi",
);
const SINGLE = /\b(?:one|a single|single)[- ](page|paragraph|screen|sentence|section)\b|\bone-pager\b/gi;
const MINIMUM = new RegExp(
  String.raw`\b(?:at least|a minimum of|minimum of|no fewer than|no less than|more than|over)\s+${AMOUNT}\s+${UNIT}\b`,
  "gi",
);
const BRIEF = /\b(?:short|brief|concise|compact|terse|minimal|one-pager|tl;?dr)\b/i;

export interface Amount {
  value: number;
  /** Singular unit: word, line, page, section … */
  unit: string;
  /** The phrase as written. */
  phrase: string;
}

function unitOf(raw: string): string {
  const unit = raw.toLowerCase();
  return unit.endsWith("s") ? unit.slice(0, -1) : unit;
}

function numberOf(raw: string): number {
  return NUMBER_WORDS[raw.toLowerCase()] ?? Number(raw.replace(/,/g, ""));
}

/** Upper bounds on the artifact's length a text sets ("under 300 words", "one page"). */
export function lengthCaps(text: string): Amount[] {
  const caps: Amount[] = [];
  for (const m of text.matchAll(CAP)) {
    caps.push({ value: numberOf(m[1] ?? "0"), unit: unitOf(m[2] ?? ""), phrase: m[0] });
  }
  for (const m of text.matchAll(SINGLE)) caps.push({ value: 1, unit: unitOf(m[1] ?? "page"), phrase: m[0] });
  return caps;
}

/** Lower bounds a text sets ("at least 5 sections"); "more than N" counts as N + 1. */
export function lengthMinimums(text: string): Amount[] {
  return [...text.matchAll(MINIMUM)].map((m) => ({
    value: numberOf(m[1] ?? "0") + (/^(?:more than|over)/i.test(m[0]) ? 1 : 0),
    unit: unitOf(m[2] ?? ""),
    phrase: m[0],
  }));
}

/** True when a text asks for a short artifact without a number ("short", "brief", "concise"). */
export function asksForBrevity(text: string): boolean {
  return BRIEF.test(text);
}

/** True when a criterion asks for a section or heading of its own. */
export function demandsSection(text: string): boolean {
  return /\b(?:sections?|headings?|chapters?)\b/i.test(text);
}
