import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, extname, relative, resolve } from "node:path";
import { z } from "zod";
import { requestDraft, renderDraft } from "../../draft/draft.js";
import { readArtifact } from "../../engine/artifact.js";
import { createWorkspaceSource } from "../../fs/workspace.js";
import { lintRubric } from "../../lint/lint.js";
import { createModels } from "../../providers/models.js";
import { systemClock } from "../../providers/retry.js";
import { ModelError, modelSettings, withSettings } from "../../ports/models.js";
import { DEFAULT_RUBRICS_GLOB, loadRubrics } from "../../rubric/load.js";
import { matchesRubric } from "../../rubric/match.js";
import { parseRubric } from "../../rubric/parse.js";
import type { Rubric } from "../../rubric/types.js";
import { inlineText } from "../../util/redact.js";
import type { CliIo } from "../io.js";
import { renderProblems } from "../render.js";
import type { Subcommand } from "../command.js";
import { modelSpec } from "../../util/string-schemas.js";
import { flag, MODEL_CALL_FLAGS, optionRows, parseFlags, settingsFlags } from "../flags.js";
import { renderFindings } from "./lint-rubric.js";

const FLAGS = {
  from: flag({
    value: "FILE",
    help: "the known-good artifact (required)",
    schema: z.string().min(1).optional(),
  }),
  out: flag({
    value: "FILE",
    help: "where to write the rubric (default rubrics/<GOOD_FILE's name>.md)",
    schema: z.string().min(1).optional(),
  }),
  force: flag({ help: "overwrite --out if it exists", schema: z.boolean().default(false) }),
  writer: flag({
    value: "PROVIDER:MODEL",
    help: "the model that drafts (default $RUBRIC_GATE_WRITER, else --judge, else $RUBRIC_GATE_JUDGE)",
    schema: modelSpec.optional(),
  }),
  ...settingsFlags("writer"),
  judge: flag({ value: "PROVIDER:MODEL", help: "used when no writer is set", schema: modelSpec.optional() }),
  ...MODEL_CALL_FLAGS,
};

const HELP = `rubric-gate init --from GOOD_FILE [--out RUBRIC] [options]

Drafts a rubric from a known-good artifact with the writer model: a description, files globs and
criteria, written as a rubric file that the rubric parser accepts and lint-rubric checks. Review it:
the criteria must hold for every good file of the kind, not only for GOOD_FILE.

Options:
${optionRows(FLAGS)}

Exit codes: 0 the draft was written (lint findings are printed for review); 2 usage error, --out
exists, or GOOD_FILE cannot be read as text; 3 the model could not be used.`;

/** `rubric-gate init --from GOOD_FILE`: a rubric drafted from a known-good artifact. */
export const initCommand: Subcommand = {
  args: "--from GOOD_FILE [--out RUBRIC] [options]",
  summary: "draft a rubric from a known-good file (--from FILE)",
  run: runInit,
};

async function runInit(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags("init", argv, FLAGS);
  if (!flags.ok) return fail(io, 2, flags.message);
  if (flags.help) {
    io.stdout(HELP);
    return 0;
  }
  const options = flags.values;
  if (options.from === undefined || flags.positionals.length > 0) {
    return fail(
      io,
      2,
      "init: give the known-good file with --from, e.g. rubric-gate init --from docs/guide.md",
    );
  }
  const source = relative(io.cwd, resolve(io.cwd, options.from)).replace(/\\/g, "/");
  const out = relative(
    io.cwd,
    resolve(io.cwd, options.out ?? `rubrics/${basename(source, extname(source)) || "rubric"}.md`),
  ).replace(/\\/g, "/");
  if (!out.endsWith(".md")) return fail(io, 2, `init: --out ${out}: a rubric is a .md file`);
  if (existsSync(resolve(io.cwd, out)) && !options.force) {
    return fail(io, 2, `init: ${out} exists; pass --force to overwrite it, or choose another --out`);
  }
  // The example as the judge will see files of its kind: text as it is, a generated file as its rendering.
  const read = await readArtifact(createWorkspaceSource(io.cwd), source, { clock: systemClock });
  if (!read.ok) return fail(io, 2, `init: --from ${options.from}: ${read.reason}`);

  const envSpec = (name: string) => {
    const value = io.env[name]?.trim();
    return value && modelSpec.safeParse(value).success ? value : undefined;
  };
  const spec =
    options.writer ?? envSpec("RUBRIC_GATE_WRITER") ?? options.judge ?? envSpec("RUBRIC_GATE_JUDGE");
  if (spec === undefined) {
    return fail(
      io,
      3,
      "init: no writer configured: pass --writer provider:model (or set RUBRIC_GATE_WRITER)",
    );
  }
  let client;
  try {
    client = createModels({
      env: io.env,
      timeoutMs: options.timeout * 1000,
      jsonMode: options["json-mode"],
      clock: systemClock,
    }).client(spec, "writer");
    client = withSettings(client, modelSettings(options["writer-effort"], options["writer-temperature"]));
  } catch (error) {
    return fail(io, error instanceof ModelError ? 3 : 2, `init: ${(error as Error).message}`);
  }

  const draft = await requestDraft(
    client,
    {
      path: source,
      content: read.text,
      ...(read.format ? { format: read.format } : {}),
      ...(read.images.length > 0 ? { images: read.images } : {}),
    },
    io.signal,
  );
  if (draft.kind === "error") return fail(io, 3, `init: ${draft.error}`);
  const markdown = renderDraft(draft.answer, source, spec);
  const parsed = parseRubric(out, markdown);
  if (!parsed.ok) {
    io.stderr(renderProblems(parsed.problems));
    return fail(io, 3, `init: the draft from ${spec} is not a valid rubric; nothing was written`);
  }
  await mkdir(dirname(resolve(io.cwd, out)), { recursive: true });
  await writeFile(resolve(io.cwd, out), markdown);

  const rubric = parsed.rubric;
  const overlaps = await overlapWarnings(io.cwd, rubric);
  const findings = lintRubric(rubric, markdown);
  io.stdout(
    `Wrote ${out}: ${rubric.criteria.length} criteria; files: ${rubric.files.join(", ")}.\n` +
      (findings.length > 0 ? "Review these lint findings:\n" : "") +
      renderFindings(findings, [rubric]) +
      `\nNext: review the criteria, run \`rubric-gate check-rubrics\`, then add labeled examples in ` +
      `${out.replace(/\.md$/, ".examples")}/ and run \`rubric-gate calibrate ${out}\`.`,
  );
  for (const warning of overlaps) io.stderr(`rubric-gate: warning: ${warning}`);
  return 0;
}

/**
 * Where the new rubric's globs match files another rubric already grades: those files would be graded
 * twice, and never revised (revision needs exactly one rubric per file).
 */
/** A file name on one line: a line break in it is shown, never printed. */
const name = (path: string): string => inlineText(path, 500);

async function overlapWarnings(cwd: string, rubric: Rubric): Promise<string[]> {
  const workspace = createWorkspaceSource(cwd);
  const { rubrics } = await loadRubrics(workspace, DEFAULT_RUBRICS_GLOB);
  const files = (await workspace.list()).filter((path) => matchesRubric(rubric, path));
  const warnings: string[] = [];
  for (const other of rubrics) {
    if (other.path === rubric.path) continue;
    const both = files.filter((path) => matchesRubric(other, path));
    if (both.length === 0) continue;
    warnings.push(
      `${name(rubric.path)} and ${name(other.path)} both match ${both.length} file(s) (e.g. ${both.slice(0, 3).map(name).join(", ")}): each would be graded twice and never revised (revision needs exactly one rubric per file); narrow the \`files\` globs of one of them`,
    );
  }
  return warnings;
}

function fail(io: CliIo, code: number, message: string): number {
  io.stderr(`rubric-gate: ${message}`);
  return code;
}
