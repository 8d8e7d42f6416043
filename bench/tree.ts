// The benchmark's tree: a realistic 8-criterion rubric, pages of about 2 KB, and the rules of the
// scripted judge that grades them.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { contains, type Rule } from "../test/support/scripted.js";

export const RUBRIC = `---
files:
  - docs/**/*.md
description: >-
  A reference page of the product documentation: it explains one feature to a developer who uses
  the product every day and lands on the page from a search.
max_iterations: 2
---

Grade the page as that developer would read it: quickly, looking for the one thing they need.

## Structure

- Opens with a summary paragraph that says what the feature does and when to use it. {#summary}
- Has a Prerequisites section that lists what must be set up first. {#prerequisites}
- Has a Usage section with at least one complete code example. {#usage}
- Has a Configuration section that lists every option with its default. {#configuration}

## Quality

- Has a Troubleshooting section with at least one error message and its fix. {#troubleshooting}
- Links to at least one related page. {#related}
- Says which version introduced the feature. {#version}
- [advisory] Uses second person ("you") rather than "the user". {#voice}
`;

export const RULES: Record<string, Rule> = {
  summary: contains("## Summary"),
  prerequisites: contains("## Prerequisites"),
  usage: contains("```sh"),
  configuration: contains("## Configuration"),
  troubleshooting: contains("## Troubleshooting"),
  related: contains("](../"),
  version: contains("Introduced in"),
  voice: contains(" you "),
};

/** A page of about 2 KB; one in five lacks its Troubleshooting section, so not every file passes. */
export function page(n: number): string {
  const feature = `feature-${n}`;
  const troubleshooting =
    n % 5 === 0
      ? ""
      : `## Troubleshooting\n\nIf you see \`error: ${feature} is not enabled\`, add it to \`features\` in the config file and restart.\n\n`;
  return (
    `# The ${feature} command\n\n## Summary\n\nThe ${feature} command rebuilds the index of one workspace. ` +
    `Use it when you have moved files by hand and the search results look stale. Introduced in 2.${n % 40}.0.\n\n` +
    `## Prerequisites\n\n- A workspace created with \`tool init\`.\n- Write access to its \`.index\` directory.\n\n` +
    `## Usage\n\n\`\`\`sh\ntool ${feature} --workspace ./docs --verbose\n\`\`\`\n\n` +
    `The command prints one line per file it indexes and a summary at the end. It exits with 0 when ` +
    `every file was indexed, and with 1 when at least one file could not be read; the summary says which.\n\n` +
    `## Configuration\n\n| option | meaning | default |\n| --- | --- | --- |\n` +
    `| \`--workspace DIR\` | the workspace to index | the current directory |\n` +
    `| \`--verbose\` | print every file | off |\n| \`--jobs N\` | files indexed at once | 4 |\n\n` +
    troubleshooting +
    `See also [the search command](../search/page-${n + 1}.md) and [workspaces](../workspaces.md).\n`
  );
}

/** `files` pages in folders of 50, and the rubric. */
export async function writeTree(root: string, files: number): Promise<void> {
  await mkdir(join(root, "rubrics"), { recursive: true });
  await writeFile(join(root, "rubrics/reference.md"), RUBRIC);
  for (let n = 0; n < files; n++) {
    const path = join(root, "docs", `area-${String(Math.floor(n / 50)).padStart(3, "0")}`, `page-${n}.md`);
    if (n % 50 === 0) await mkdir(dirname(path), { recursive: true });
    await writeFile(path, page(n));
  }
}
