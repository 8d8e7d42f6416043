import type { GitData } from "../git-data.js";
import type { Account, GitHubServerOptions, GitHubState, StoredIssue } from "./types.js";

/** One fake repository as the handlers of every resource see it: its state, its addresses, its clock. */
export interface World {
  options: GitHubServerOptions;
  state: GitHubState;
  /** The server's own URL, e.g. http://127.0.0.1:PORT. */
  base: string;
  /** `/repos/OWNER/REPO`. */
  repoPath: string;
  /** `https://github.com/OWNER/REPO`. */
  htmlRepo: string;
  /** The account the token belongs to. */
  viewer: Account;
  /** Head SHA of the seeded pull requests. */
  headSha: string;
  gitData: GitData | undefined;
  labelIds: Map<string, number>;
  /** GitHub's timestamp format, to the second. */
  now: () => string;
  /** The next id of a stored object (comments, reviews, check runs, …). */
  nextId: () => number;
  newIssue: (seed: Partial<StoredIssue> & { title: string }) => StoredIssue;
  /** The bare repository behind the Git Data API; a 404 refusal when the test gave none. */
  needGit: () => GitData;
}
