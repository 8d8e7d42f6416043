import { completeCheck, startCheck, type CheckHandle } from "../github/checks.js";
import type { GitHubApi, RepoRef } from "../ports/github.js";
import { fencedBlock } from "../report/markdown.js";
import { safeText } from "../util/redact.js";

/**
 * The one promise about check runs: every check run this job opens is closed, however the job ends.
 * Runs are opened through `start` and closed through `complete`; whatever is still open when the job
 * fails is closed by `failOpen` as a failure that says why, so a required check never hangs.
 */
export class CheckRunGuard {
  private readonly open = new Map<CheckHandle, GitHubApi>();

  async start(
    api: GitHubApi,
    options: { repo: RepoRef; name: string; headSha: string; detailsUrl?: string },
  ): Promise<CheckHandle> {
    const handle = await startCheck(api, options);
    // Without `checks: write` there is nothing on GitHub to close.
    if (handle.kind === "check-run") this.open.set(handle, api);
    return handle;
  }

  /** Runs `publish`, which completes the check run; only then is the run no longer open. */
  async complete<T>(handle: CheckHandle, publish: (handle: CheckHandle) => Promise<T>): Promise<T> {
    const result = await publish(handle);
    this.open.delete(handle);
    return result;
  }

  /** How many check runs are open (for tests and logs). */
  get openCount(): number {
    return this.open.size;
  }

  /** Closes every check run still open as a failure carrying `message`; `onError` hears what failed. */
  async failOpen(message: string, onError: (error: unknown) => void): Promise<void> {
    for (const [handle, api] of [...this.open]) {
      try {
        await completeCheck(api, handle, {
          conclusion: "failure",
          title: "rubric-gate could not finish",
          summary: `rubric-gate stopped with an error:\n\n${fencedBlock(safeText(message, 20_000))}`,
          annotations: [],
        });
      } catch (error) {
        onError(error);
      }
      this.open.delete(handle);
    }
  }
}
