// The release's checks, run by .github/workflows/release.yml and by test/project/release.test.ts:
// the version is one (package.json, the CLI's VERSION), action.yml is an Action the runner can start,
// and the tags follow from the version: `vX.Y.Z`, and `vX` moved to it (as first-rate Actions do, so
// `uses: owner/repo@vX` gets every compatible release). dist/ against a fresh build is checked by
// .ci/run, which the release workflow runs first.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** The tags a version is released under: its own, and its major line's (moved to it). */
export function releaseTags(version: string): { version: string; major: string } {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match)
    throw new Error(
      `package.json version ${JSON.stringify(version)} is not X.Y.Z: a release needs a plain semantic version`,
    );
  return { version: `v${version}`, major: `v${match[1] ?? ""}` };
}

interface ActionYml {
  name?: unknown;
  description?: unknown;
  inputs?: Record<string, { description?: unknown; default?: unknown; required?: unknown }>;
  outputs?: Record<string, { description?: unknown }>;
  runs?: { using?: unknown; main?: unknown };
  branding?: unknown;
}

/** What keeps action.yml from being an Action the runner starts and Marketplace lists; empty when none. */
export function actionYmlProblems(text: string, root: string): string[] {
  const problems: string[] = [];
  let yml: ActionYml;
  try {
    yml = parse(text) as ActionYml;
  } catch (error) {
    return [`action.yml is not YAML: ${(error as Error).message}`];
  }
  if (typeof yml.name !== "string" || yml.name === "") problems.push("action.yml: `name` is missing");
  if (typeof yml.description !== "string" || yml.description === "")
    problems.push("action.yml: `description` is missing");
  if (yml.runs?.using !== "node24")
    problems.push(`action.yml: runs.using is ${JSON.stringify(yml.runs?.using)}; expected node24`);
  const main = yml.runs?.main;
  if (typeof main !== "string" || !existsSync(join(root, main)))
    problems.push(
      `action.yml: runs.main ${JSON.stringify(main)} is not a committed file (run npm run build)`,
    );
  for (const [name, input] of Object.entries(yml.inputs ?? {})) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) problems.push(`action.yml: input ${name} is not kebab-case`);
    if (typeof input.description !== "string" || input.description === "")
      problems.push(`action.yml: input ${name} has no description`);
    if (input.default !== undefined && typeof input.default !== "string")
      problems.push(`action.yml: input ${name}'s default is not a string (quote it)`);
  }
  for (const [name, output] of Object.entries(yml.outputs ?? {}))
    if (typeof output.description !== "string" || output.description === "")
      problems.push(`action.yml: output ${name} has no description`);
  return problems;
}

/** Everything that must hold before a release is tagged; empty when it can be. */
export function releaseProblems(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  const problems = actionYmlProblems(readFileSync(join(root, "action.yml"), "utf8"), root);
  const source = readFileSync(join(root, "src/version.ts"), "utf8");
  const cli = /VERSION = "([^"]+)"/.exec(source)?.[1];
  if (cli !== pkg.version)
    problems.push(`src/version.ts says ${String(cli)}, package.json ${pkg.version}: make them one`);
  try {
    releaseTags(pkg.version);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

// `tsx scripts/release-check.ts`: the problems on stderr (exit 1), or the tags as GITHUB_OUTPUT lines.
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.cwd();
  const problems = releaseProblems(root);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  const tags = releaseTags(pkg.version);
  console.log(`version-tag=${tags.version}`);
  console.log(`major-tag=${tags.major}`);
}
