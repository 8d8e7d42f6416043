// The world an Action end-to-end test runs in: the GitHub stand-in for one repository, the local model
// server, temporary workspaces, all closed after each test; and a scheduled run of the committed bundle.
import { afterEach } from "vitest";
import { runAction, type ActionRun } from "./action-runner.js";
import { startGitHubServer, type GitHubServer } from "./github-server.js";
import { startModelServer, type Handler, type ModelServer } from "./model-server.js";
import { makeWorkspace } from "./workspace.js";

export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

export interface ActionWorld {
  github: GitHubServer;
  models: ModelServer;
  root: string;
  /** Runs the bundle on a `schedule` event in the workspace with these inputs. */
  schedule(inputs: Record<string, string>, env?: Record<string, string>): Promise<ActionRun>;
}

/** Registers the clean-up and returns `open`, which starts the servers and makes the workspace. */
export function useActionWorld(): (files: Record<string, string>, handler: Handler) => Promise<ActionWorld> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return async (files, handler) => {
    const ws = await makeWorkspace(files);
    cleanups.push(() => ws.cleanup());
    const github = await startGitHubServer({ owner: OWNER, repo: REPO });
    cleanups.push(() => github.close());
    const models = await startModelServer(handler);
    cleanups.push(() => models.close());
    return {
      github,
      models,
      root: ws.root,
      schedule: (inputs, env) =>
        runAction({
          eventName: "schedule",
          payload: { schedule: "17 3 * * 1" },
          repository: `${OWNER}/${REPO}`,
          sha: HEAD_SHA,
          workspace: ws.root,
          apiUrl: github.url,
          inputs,
          ...(env ? { env } : {}),
        }),
    };
  };
}
