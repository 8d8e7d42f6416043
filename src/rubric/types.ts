import type { Check } from "../checks/checks.js";
import type { ModelSettings } from "../ports/models.js";

/** A rubric parsed from a markdown file under `rubrics/`: what "done" means for the files it matches. */
export interface Rubric {
  /** Path of the rubric file, relative to the workspace, with forward slashes. */
  path: string;
  /** Globs (with `!` negation) of the files this rubric grades. */
  files: string[];
  /** 1-based line of each entry of `files` in the rubric file, for error messages. */
  fileLines: number[];
  /** What the artifact is meant to be. */
  description: string;
  maxIterations: number;
  /** Weighted fraction of blocking criteria that must pass; undefined means all blocking must pass. */
  threshold: number | undefined;
  judge: string | undefined;
  writer: string | undefined;
  /** Reasoning effort and temperature for the judge and the writer; each overrides the flag or input. */
  judgeSettings: ModelSettings;
  writerSettings: ModelSettings;
  revise: boolean;
  /** Globs of reference files given to the judge as data before the artifact (SPEC §10). */
  context: string[];
  /** The judge may call read-only tools over the workspace (SPEC §10). */
  tools: boolean;
  criteria: Criterion[];
  /** Prose between criteria: given to the judge with the rubric, never graded on its own. */
  guidance: string;
  /** sha256 of the rubric file's bytes. */
  hash: string;
}

export interface Criterion {
  id: string;
  /** The criterion's text, without the `[advisory]` marker and the `{#id}` attribute. */
  text: string;
  /** Heading path of the section the criterion sits in ("" at top level). */
  section: string;
  advisory: boolean;
  weight: number;
  /** 1-based line of the list item in the rubric file. */
  line: number;
  /** Decided without a model by this check (SPEC §10), from the attributes in its braces. */
  check?: Check;
}

/** A problem in a rubric or in the configuration: always names the place and a fix. */
export interface ConfigProblem {
  file: string;
  line: number;
  message: string;
  hint: string;
}
