/** How revisions leave the run (input `revise`, adjusted to the event; see `planDelivery`). */
export type DeliveryStrategy = "commit" | "suggest" | "pr" | "show";

/** A revision the engine produced: the best version of a graded file, which differs from the original. */
export interface RevisionCandidate {
  path: string;
  rubric: string;
  original: string;
  revised: string;
  /** Criteria the revision fixes. */
  fixed: string[];
}

interface FileFacts {
  path: string;
  rubric: string;
  fixed: string[];
}

/** What became of one file's revision. */
export type FileDelivery =
  | (FileFacts & { state: "committed"; commit: string; branch: string })
  | (FileFacts & {
      state: "suggested";
      suggestions: number;
      /** The part of the revision that is not on the diff, as a unified diff; null when none. */
      outsideDiff: string | null;
    })
  /** Not delivered, shown as a diff (generated files, a refused push, no pull request to deliver to). */
  | (FileFacts & { state: "shown"; reason: string; diff: string })
  /** Discarded by the safety rules: not shown, never delivered. */
  | (FileFacts & { state: "refused"; reason: string });

export interface Delivery {
  strategy: DeliveryStrategy;
  files: FileDelivery[];
  /** A commit that landed on a branch: the Action posts its check run (a workflow-token push starts no run). */
  pushed: { sha: string; branch: string; paths: string[] } | null;
  review: { url: string | null; created: number; kept: number; removed: number } | null;
  pullRequest: {
    number: number;
    url: string;
    action: "created" | "updated" | "unchanged" | "closed";
  } | null;
  /** What the summary should say about the delivery (a refused push, a missing permission, …). */
  notes: string[];
}
