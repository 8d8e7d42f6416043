import type { CheckConclusion } from "../ports/github.js";
import { failingFiles } from "./gate.js";
import type { Report } from "./schema.js";

/** How the Action turns the gate into a check conclusion (inputs `fail-on` and `on-grader-error`). */
export interface ConclusionPolicy {
  /** Which failures fail the check: blocking criteria (default), advisory ones too, or none (report only). */
  failOn?: "blocking" | "advisory" | "never";
  /** What a run with a `grader_error` and no other failure concludes; default `failure`. Never `success`. */
  graderError?: "failure" | "neutral";
}

/**
 * The check's conclusion, read from the gate (`report.gate`, decided once by `decideGate`) under the
 * Action's policy: `success` only when the gate passed; `neutral` when nothing was graded; a judge that
 * could not be used is `failure` unless the policy says `neutral`; configuration errors always fail.
 */
export function conclusionFor(report: Report, policy: ConclusionPolicy = {}): CheckConclusion {
  const { gate } = report;
  const failOn = policy.failOn ?? "blocking";
  switch (gate.status) {
    case "config_error":
      return "failure";
    case "nothing_to_grade":
    case "not_graded":
      return "neutral";
    case "error":
      if (failOn === "never") return "neutral";
      // `on-grader-error: neutral` softens the judge's failure, never a file that was graded and failed.
      return failingFiles(gate) > 0 ? "failure" : (policy.graderError ?? "failure");
    case "failed":
      return failOn === "never" ? "neutral" : "failure";
    case "passed":
      return failOn === "advisory" && gate.advisory_failures > 0 ? "failure" : "success";
  }
}
