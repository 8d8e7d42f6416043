import { afterEach, describe, expect, it, vi } from "vitest";
import { buildAnnotations } from "../../src/report/annotations.js";
import { completeCheck, startCheck } from "../../src/github/checks.js";
import { conclusionFor, type ConclusionPolicy } from "../../src/report/conclusion.js";
import { CHECK_SUMMARY_LIMIT, renderSummary } from "../../src/report/markdown.js";
import { createGitHubApi } from "../../src/github/octokit.js";
import type { FileReport } from "../../src/report/schema.js";
import { startGitHubServer, type GitHubServer, type StoredAnnotation } from "../support/github-server.js";
import { file, report } from "../support/report-builder.js";

const quiet = { debug: () => undefined, warning: () => undefined };
const repo = { owner: "acme", repo: "docs" };
const HEAD = "c0ffee0000000000000000000000000000000000";

let server: GitHubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

function longText(seed: number): string {
  return (
    `Criterion ${seed} is not met: the section explains the feature but never says who it is for, ` +
    "what the reader should already know, or where to go next. | pipes | and\nnewlines must not break the table. ".repeat(
      3,
    )
  );
}

/** 300 files: 100 fail one blocking and one advisory criterion (200 failing criteria), 200 pass. */
function bigReport(): ReturnType<typeof report> {
  const files: FileReport[] = [];
  for (let i = 0; i < 300; i += 1) {
    const failing = i % 3 === 0;
    files.push(
      file({
        path: `docs/section-${String(i).padStart(3, "0")}/page.md`,
        verdicts: {
          "states-purpose": failing
            ? {
                verdict: "fail",
                explanation: longText(i),
                line: (i % 40) + 1,
                evidence: "We built it.",
                evidence_verified: true,
              }
            : "pass",
          "names-audience": failing
            ? { verdict: "fail", advisory: true, explanation: longText(i + 1000) }
            : "pass",
          "links-next-steps": { verdict: "pass", explanation: longText(i + 2000) },
          "has-example": "pass",
        },
      }),
    );
  }
  return report(files);
}

describe("check runs against the OpenAPI-validated server", () => {
  it("sends 200 annotations of a 300-file run in requests of at most 50, with a summary under the limit", async () => {
    server = await startGitHubServer(repo);
    const api = createGitHubApi("test-token", { baseUrl: server.url, log: quiet });
    const run = bigReport();
    const annotations = buildAnnotations(run);
    expect(annotations).toHaveLength(200);
    expect(annotations.filter((a) => a.annotation_level === "failure")).toHaveLength(100);
    expect(annotations.filter((a) => a.annotation_level === "warning")).toHaveLength(100);

    const summary = renderSummary(run, { maxLength: CHECK_SUMMARY_LIMIT });
    const handle = await startCheck(api, { repo, name: "rubric-gate", headSha: HEAD });
    expect(handle.kind).toBe("check-run");
    const result = await completeCheck(api, handle, {
      conclusion: conclusionFor(run),
      title: "100 of 300 files fail their rubrics",
      summary,
      annotations,
    });

    expect(result).toMatchObject({ path: "check-run", requests: 4, annotations: 200 });
    expect(server.violations).toEqual([]);
    expect(server.responseViolations).toEqual([]);
    const checkRequests = server.requests.filter((r) => r.operationId?.startsWith("checks/"));
    expect(checkRequests.map((r) => r.operationId)).toEqual([
      "checks/create",
      "checks/update",
      "checks/update",
      "checks/update",
      "checks/update",
    ]);
    for (const request of checkRequests) {
      const sent = (request.body as { output?: { annotations?: unknown[] } }).output?.annotations ?? [];
      expect(sent.length).toBeLessThanOrEqual(50);
    }
    const [stored] = server.state.checkRuns;
    expect(stored?.head_sha).toBe(HEAD);
    expect(stored?.status).toBe("completed");
    expect(stored?.conclusion).toBe("failure");
    const key = (a: StoredAnnotation | (typeof annotations)[number]): string => `${a.path}#${a.title ?? ""}`;
    expect(stored?.annotations.map(key).sort()).toEqual(annotations.map(key).sort());
    expect(stored?.output.summary?.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
    expect(stored?.output.summary).toMatch(/Details of \d+ of 300 files were left out/);
    expect(stored?.output.summary).toContain("The full report is in");
  });

  it("redacts a token-shaped string in an annotation message before it leaves the process", async () => {
    server = await startGitHubServer(repo);
    const api = createGitHubApi("test-token", { baseUrl: server.url, log: quiet });
    const token = `ghp_${"A1b2C3d4E5".repeat(4)}`;
    const run = report([
      file({
        path: "docs/setup.md",
        verdicts: {
          "no-secrets": {
            verdict: "fail",
            explanation: `The page shows a real token ${token} in the example.`,
            line: 12,
          },
        },
      }),
    ]);
    const handle = await startCheck(api, { repo, name: "rubric-gate", headSha: HEAD });
    await completeCheck(api, handle, {
      conclusion: "failure",
      title: "1 file fails",
      summary: renderSummary(run, { maxLength: CHECK_SUMMARY_LIMIT }),
      annotations: buildAnnotations(run),
    });
    const wire = JSON.stringify(server.requests.map((r) => r.body));
    expect(wire).not.toContain(token);
    expect(server.state.checkRuns[0]?.annotations[0]).toMatchObject({
      path: "docs/setup.md",
      start_line: 12,
      annotation_level: "failure",
      message: "The page shows a real token [REDACTED] in the example.",
    });
  });

  it("falls back to workflow-command annotations when the token may not create checks (403)", async () => {
    server = await startGitHubServer({ ...repo, checksWritable: false });
    const api = createGitHubApi("test-token", { baseUrl: server.url, log: quiet });
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const run = report([
      file({
        path: "docs/a.md",
        verdicts: {
          purpose: { verdict: "fail", line: 3, explanation: "No purpose.\n::set-output name=x::pwned" },
          audience: { verdict: "fail", advisory: true, line: 5 },
        },
      }),
    ]);
    const handle = await startCheck(api, { repo, name: "rubric-gate", headSha: HEAD });
    expect(handle.kind).toBe("workflow-commands");
    const result = await completeCheck(api, handle, {
      conclusion: "failure",
      title: "t",
      summary: "s",
      annotations: buildAnnotations(run),
    });
    vi.restoreAllMocks();

    expect(result.path).toBe("workflow-commands");
    expect(result.path === "workflow-commands" && result.notice).toMatch(/checks: write/);
    expect(server.requests.map((r) => [r.operationId, r.status])).toEqual([["checks/create", 403]]);
    // The newline is escaped: model text cannot start a workflow command of its own.
    expect(lines).toEqual([
      "::error title=purpose%3A fail,file=docs/a.md,line=3,endLine=3::No purpose.%0A::set-output name=x::pwned\n",
      expect.stringMatching(
        /^::warning title=audience%3A fail \(advisory\),file=docs\/a.md,line=5,endLine=5::/,
      ),
    ]);
    // The notice is meant for the job summary.
    const summary = renderSummary(run, {
      maxLength: 10_000,
      notices: [result.path === "workflow-commands" ? result.notice : ""],
    });
    expect(summary).toContain("No check run was created");
  });
});

describe("conclusionFor", () => {
  const satisfied = file({ path: "a.md", verdicts: { x: "pass" } });
  const failing = file({ path: "b.md", verdicts: { x: "fail" } });
  const advisoryOnly = file({
    path: "c.md",
    verdicts: { x: "pass", y: { verdict: "fail", advisory: true } },
  });
  const graderError = file({ path: "d.md", result: "grader_error", reason: "judge answer invalid twice" });
  const skipped = file({ path: "e.png", result: "skipped", reason: "binary file" });
  const policies: ConclusionPolicy[] = [
    {},
    { failOn: "blocking" },
    { failOn: "advisory" },
    { failOn: "never" },
    { graderError: "neutral" },
    { graderError: "failure" },
    { failOn: "never", graderError: "neutral" },
  ];

  it("is success only when every graded file is satisfied", () => {
    expect(conclusionFor(report([satisfied, skipped]))).toBe("success");
    expect(conclusionFor(report([satisfied, failing]))).toBe("failure");
    expect(conclusionFor(report([satisfied, failing]), { failOn: "never" })).toBe("neutral");
  });

  it("never concludes success with a grader_error, whatever the policy", () => {
    for (const policy of policies) {
      expect(conclusionFor(report([satisfied, graderError]), policy)).not.toBe("success");
    }
    expect(conclusionFor(report([satisfied, graderError]))).toBe("failure");
    expect(conclusionFor(report([satisfied, graderError]), { graderError: "neutral" })).toBe("neutral");
    // A real failure elsewhere is still a failure.
    expect(conclusionFor(report([failing, graderError]), { graderError: "neutral" })).toBe("failure");
  });

  it("is neutral when grading was skipped", () => {
    expect(conclusionFor(report([]))).toBe("neutral");
    expect(conclusionFor(report([skipped, { ...skipped, path: "f.png" }]))).toBe("neutral");
  });

  it("fails on configuration errors, and on advisory failures only when asked to", () => {
    const configError = report([satisfied], {
      config_errors: [
        { file: "rubrics/docs.md", line: 3, message: "unknown key `fils`", hint: "did you mean `files`?" },
      ],
    });
    for (const policy of policies) expect(conclusionFor(configError, policy)).toBe("failure");
    expect(conclusionFor(report([advisoryOnly]))).toBe("success");
    expect(conclusionFor(report([advisoryOnly]), { failOn: "advisory" })).toBe("failure");
  });
});
