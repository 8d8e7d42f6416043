// `rubric-gate calibrate`: a scripted judge whose answers are known, through the real SDKs, so every
// number of the calibration can be computed by hand (the arithmetic is written out below).
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CalibrationReport } from "../../src/calibrate/schema.js";
import { requestText, startModelServer, type ModelServer } from "../support/model-server.js";
import {
  artifactOf,
  contains,
  isJudgeRequest,
  scripted,
  verdictsFor,
  type Rule,
} from "../support/scripted.js";
import { cli, makeWorkspace } from "../support/workspace.js";

const validateCalibration = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(
    readFileSync(new URL("../../schema/calibration.schema.json", import.meta.url), "utf8"),
  ) as object,
);

const RUBRIC = `---
files:
  - docs/**/*.md
description: A user guide page.
---

- States its scope on a line that starts with "Scope:". {#scope}
- Shows an example command. {#example}
- Names the limits of the feature. {#limits}
`;

/**
 * The judge: `scope` and `example` are strict text checks; `limits` is lenient — any mention of the
 * word "limit" passes, even "Limits: none known yet" (which the labels call a fail).
 */
const RULES: Record<string, Rule> = {
  scope: contains("Scope:"),
  example: contains("```"),
  limits: (artifact) => /limit[^\n]*/i.exec(artifact)?.[0] ?? false,
};

const example = (labels: string, body: string) => `---\n${labels}\n---\n${body}`;

/**
 * Labels (L) and the judge's verdicts (J) on five examples:
 *
 * | example | scope L/J | example L/J | limits L/J | result L/J |
 * | a       | P/P       | P/P         | P/P        | sat/sat    |
 * | b       | P/P       | F/F         | F/P        | nr/nr      |
 * | c       | P/P       | P/P         | F/P        | nr/sat     |  ← a false pass of the whole file
 * | d       | F/F       | P/F         | F/F        | nr/nr      |  (an indented example the judge misses)
 * | e       | P/P       | P/P         | P/F        | sat/nr     |
 */
const EXAMPLES = {
  "rubrics/guide.examples/a.md": example(
    "expect: { scope: pass, example: pass, limits: pass }\nexpect_result: satisfied",
    "Scope: installing the tool.\n\n```sh\nnpm i tool\n```\n\nLimits: at most 10 files a run.\n",
  ),
  "rubrics/guide.examples/b.md": example(
    "expect: { scope: pass, example: fail, limits: fail }\nexpect_result: needs_revision",
    "Scope: the config file.\n\nSet retries in the file.\n\nLimits: none known yet.\n",
  ),
  "rubrics/guide.examples/c.md": example(
    "expect: { scope: pass, example: pass, limits: fail }\nexpect_result: needs_revision",
    "Scope: the CLI.\n\n```sh\ntool run\n```\n\nThere may be limits.\n",
  ),
  "rubrics/guide.examples/d.md": example(
    "expect:\n  scope: fail\n  example: pass\n  limits: fail\nexpect_result: needs_revision",
    "This page is about plugins.\n\n    tool plugin add x\n",
  ),
  "rubrics/guide.examples/e.md": example(
    "expect: { scope: pass, example: pass, limits: pass }\nexpect_result: satisfied",
    "Scope: caching.\n\n```sh\ntool cache clear\n```\n\nFails on files over 1 MB.\n",
  ),
};

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer(scripted({ judge: RULES }));
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.setHandler(scripted({ judge: RULES }));
});

const env = (): Record<string, string> => ({
  OPENAI_API_KEY: "test-key",
  OPENAI_BASE_URL: server.openaiBaseURL,
  ANTHROPIC_API_KEY: "test-key",
  ANTHROPIC_BASE_URL: server.anthropicBaseURL,
});

async function workspace(extra: Record<string, string> = {}) {
  return makeWorkspace({ "rubrics/guide.md": RUBRIC, ...EXAMPLES, ...extra });
}

async function readReport(root: string, name = "cal.json"): Promise<CalibrationReport> {
  const report = JSON.parse(await readFile(join(root, name), "utf8")) as CalibrationReport;
  if (!validateCalibration(report)) {
    throw new Error(
      `report does not match schema/calibration.schema.json: ${JSON.stringify(validateCalibration.errors)}`,
    );
  }
  return report;
}

describe.each([
  { name: "openai", judge: "openai:gpt-4.1" },
  { name: "anthropic", judge: "anthropic:claude-sonnet-4-6" },
] as const)("calibrate through the $name SDK", ({ name, judge }) => {
  it("reproduces the hand-computed agreement, kappa, false-pass and false-fail rates", async () => {
    const ws = await workspace();
    const run = await cli(
      [
        "calibrate",
        "rubrics/guide.md",
        "--judge",
        judge,
        "--min-kappa",
        "0.5",
        "--max-false-pass",
        "0.25",
        "--report",
        "cal.json",
      ],
      ws.root,
      env(),
    );
    const report = await readReport(ws.root);
    const m = report.metrics;

    // scope: tp 4 (a b c e), tn 1 (d). po = 5/5 = 1; pe = (4/5)(4/5) + (1/5)(1/5) = 17/25;
    // kappa = (1 − 17/25) / (1 − 17/25) = 1. False-pass 0 of 1 labeled fail; false-fail 0 of 4.
    expect(m.criteria.scope).toEqual({
      labeled: 5,
      agreement: 1,
      kappa: 1,
      false_pass_rate: 0,
      false_fail_rate: 0,
      confusion: {
        expected_pass: { judged_pass: 4, judged_fail: 0 },
        expected_fail: { judged_pass: 0, judged_fail: 1 },
      },
      flip_rate: null,
    });
    // example: tp 3 (a c e), fn 1 (d), tn 1 (b). po = 4/5; labels 4 pass / 1 fail, judge 3 pass / 2 fail;
    // pe = (4/5)(3/5) + (1/5)(2/5) = 14/25; kappa = (20/25 − 14/25) / (11/25) = 6/11.
    // False-pass 0/1 = 0; false-fail 1/4 = 0.25.
    expect(m.criteria.example?.agreement).toBe(4 / 5);
    expect(m.criteria.example?.kappa).toBeCloseTo(6 / 11, 12);
    expect(m.criteria.example?.false_pass_rate).toBe(0);
    expect(m.criteria.example?.false_fail_rate).toBe(1 / 4);
    // limits: tp 1 (a), fp 2 (b c), fn 1 (e), tn 1 (d). po = 2/5; labels 2 pass / 3 fail, judge 3 pass /
    // 2 fail; pe = (2/5)(3/5) + (3/5)(2/5) = 12/25; kappa = (10/25 − 12/25) / (13/25) = −2/13.
    // False-pass 2/3 (the judge is lenient); false-fail 1/2.
    expect(m.criteria.limits?.confusion).toEqual({
      expected_pass: { judged_pass: 1, judged_fail: 1 },
      expected_fail: { judged_pass: 2, judged_fail: 1 },
    });
    expect(m.criteria.limits?.agreement).toBe(2 / 5);
    expect(m.criteria.limits?.kappa).toBeCloseTo(-2 / 13, 12);
    expect(m.criteria.limits?.false_pass_rate).toBe(2 / 3);
    expect(m.criteria.limits?.false_fail_rate).toBe(1 / 2);
    // All criteria pooled: tp 4+3+1 = 8, fn 0+1+1 = 2, fp 0+0+2 = 2, tn 1+1+1 = 3; n = 15; po = 11/15;
    // labels 10 pass / 5 fail, judge 10 / 5; pe = (10/15)² + (5/15)² = 125/225;
    // kappa = (165 − 125) / (225 − 125) = 0.4. False-pass 2/5 = 0.4; false-fail 2/10 = 0.2.
    expect(m.all_criteria.labeled).toBe(15);
    expect(m.all_criteria.agreement).toBe(11 / 15);
    expect(m.all_criteria.kappa).toBeCloseTo(0.4, 12);
    expect(m.all_criteria.false_pass_rate).toBe(0.4);
    expect(m.all_criteria.false_fail_rate).toBe(0.2);
    // Result (satisfied = pass): tp 1 (a), fp 1 (c), fn 1 (e), tn 2 (b d). po = 3/5; labels 2 / 3, judge
    // 2 / 3; pe = (2/5)² + (3/5)² = 13/25; kappa = (15/25 − 13/25) / (12/25) = 1/6.
    // False-pass 1/3; false-fail 1/2.
    expect(m.result.agreement).toBe(3 / 5);
    expect(m.result.kappa).toBeCloseTo(1 / 6, 12);
    expect(m.result.false_pass_rate).toBe(1 / 3);
    expect(m.result.false_fail_rate).toBe(1 / 2);
    expect(report.examples.map((e) => e.result)).toEqual([
      "satisfied",
      "needs_revision",
      "satisfied",
      "needs_revision",
      "needs_revision",
    ]);

    // --min-kappa 0.5 fails limits (−0.15), all criteria (0.40) and result (0.17); example (0.55) and
    // scope (1) pass. --max-false-pass 0.25 fails limits (0.67), all criteria (0.40), result (0.33).
    expect(report.gates.violations.map((v) => `${v.row}:${v.metric}`)).toEqual([
      "limits:kappa",
      "limits:false_pass_rate",
      "all criteria:kappa",
      "all criteria:false_pass_rate",
      "result:kappa",
      "result:false_pass_rate",
    ]);
    expect(run.code).toBe(1);
    expect(report.exit_code).toBe(1);
    expect(report).toMatchObject({ version: 1, kind: "calibration", judges: [judge], samples: 1 });
    expect(report.totals).toMatchObject({ examples: 5, graded: 5, calls: 5 });

    // The human table says the same.
    expect(run.stdout).toMatch(
      /^limits\s+5\s+0\.40\s+-0\.15\s+0\.67 \(2\/3\)\s+0\.50 \(1\/2\)\s+1 1 2 1\s+-$/m,
    );
    expect(run.stdout).toMatch(
      /^all criteria\s+15\s+0\.73\s+0\.40\s+0\.40 \(2\/5\)\s+0\.20 \(2\/10\)\s+8 2 2 3/m,
    );
    expect(run.stdout).toContain(
      "rubrics/guide.examples/c.md: result labeled needs_revision, judged satisfied",
    );
    expect(run.stdout).toContain("rubrics/guide.examples/b.md: limits labeled fail, judged pass");
    expect(run.stdout).toContain("Gate: FAILED (exit 1; --min-kappa 0.5, --max-false-pass 0.25)");
    expect(run.stdout).toContain(
      "  limits: false-pass rate 0.67 (2 of 3 labeled fails judged pass) is over --max-false-pass 0.25",
    );
    expect(run.stderr).toContain("[5/5]");
    expect(server.requests.every((r) => r.provider === name)).toBe(true);
    await ws.cleanup();
  });
});

describe("calibrate", () => {
  it("exits 0 when the gates hold, and without gates", async () => {
    const ws = await workspace();
    const loose = await cli(
      [
        "calibrate",
        "rubrics/guide.md",
        "--judge",
        "openai:gpt-4.1",
        "--min-kappa=-0.2",
        "--max-false-pass",
        "0.7",
      ],
      ws.root,
      env(),
    );
    expect(loose.code).toBe(0);
    expect(loose.stdout).toContain("Gate: PASSED (--min-kappa -0.2, --max-false-pass 0.7)");
    const none = await cli(["calibrate", "rubrics/guide.md", "--json"], ws.root, {
      ...env(),
      RUBRIC_GATE_JUDGE: "openai:gpt-4.1",
    });
    expect(none.code).toBe(0);
    expect((JSON.parse(none.stdout) as CalibrationReport).judges).toEqual(["openai:gpt-4.1"]);
    await ws.cleanup();
  });

  it("sends each example's body, intact, under a neutral path (the file name cannot hint at the label)", async () => {
    const ws = await workspace();
    await cli(
      ["calibrate", "rubrics/guide.md", "--judge", "openai:gpt-4.1", "--concurrency", "1"],
      ws.root,
      env(),
    );
    const sent = server.requests.filter(isJudgeRequest);
    expect(sent.map((r) => artifactOf(r))).toEqual(
      Object.values(EXAMPLES).map((text) => text.slice(text.indexOf("\n---\n") + 5)),
    );
    expect(requestText(sent[0]!)).toMatch(/<path-([0-9a-f]{24})>\n"example\.md"\n<\/path-\1>/);
    expect(JSON.stringify(sent.map((r) => r.body))).not.toContain("guide.examples");
    await ws.cleanup();
  });

  it("--samples 3: the majority verdict counts and the flip rate says how often samples disagreed", async () => {
    const ws = await workspace();
    // On example b ("Limits: none known yet") the judge says pass, fail, fail across its three calls:
    // the majority is fail (the label), and limits flipped on 1 of 5 examples.
    let bCalls = 0;
    server.setHandler(
      scripted({
        judge: (_req, ids, artifact) => {
          const rules = { ...RULES };
          if (artifact.includes("none known")) {
            const pass = bCalls++ === 0;
            rules.limits = () => pass;
          }
          return { json: verdictsFor(ids, artifact, rules) };
        },
      }),
    );
    const run = await cli(
      [
        "calibrate",
        "rubrics/guide.md",
        "--judge",
        "openai:gpt-4.1",
        "--samples",
        "3",
        "--report",
        "cal.json",
      ],
      ws.root,
      env(),
    );
    expect(run.code).toBe(0);
    const report = await readReport(ws.root);
    expect(server.requests).toHaveLength(15);
    expect(report.samples).toBe(3);
    expect(report.metrics.criteria.limits?.flip_rate).toBe(1 / 5);
    expect(report.metrics.criteria.scope?.flip_rate).toBe(0);
    // 1 flipped pair of 5 examples × 3 criteria.
    expect(report.metrics.all_criteria.flip_rate).toBe(1 / 15);
    // limits now: fp 1 (c only), tn 2 (b d): false-pass 1/3.
    expect(report.metrics.criteria.limits?.false_pass_rate).toBe(1 / 3);
    const b = report.examples.find((e) => e.path.endsWith("/b.md"))!;
    expect(b.verdicts.limits).toMatchObject({
      verdict: "fail",
      votes: { pass: 1, fail: 2 },
      uncertain: true,
      flipped: true,
      agrees: true,
    });
    expect(run.stdout).toMatch(/^limits\s+5\s.*\s0\.20$/m);
    await ws.cleanup();
  });

  it("a gate never passes on an undefined kappa or an unmeasured false-pass rate", async () => {
    const ws = await makeWorkspace({
      "rubrics/guide.md": RUBRIC,
      "rubrics/guide.examples/a.md": EXAMPLES["rubrics/guide.examples/a.md"],
    });
    const run = await cli(
      [
        "calibrate",
        "rubrics/guide.md",
        "--judge",
        "openai:gpt-4.1",
        "--min-kappa",
        "0.5",
        "--max-false-pass",
        "0.1",
      ],
      ws.root,
      env(),
    );
    // One example, every label and verdict pass: pe = 1, kappa = 0/0 → undefined; no labeled fail.
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^scope\s+1\s+1\.00\s+n\/a\s+n\/a \(0\/0\)\s+0\.00 \(0\/1\)\s+1 0 0 0/m);
    expect(run.stdout).toContain("scope: kappa is undefined — every label and every verdict is pass");
    expect(run.stdout).toContain(
      "scope: no example is labeled fail, so the judge's leniency is not measured",
    );
    await ws.cleanup();
  });

  it.each([
    {
      name: "an unknown key",
      file: "---\nexpect: { scope: pass }\nexpected_result: satisfied\n---\nbody\n",
      where: "rubrics/guide.examples/x.md:3",
      says: "unknown key `expected_result`",
    },
    {
      name: "an unknown criterion id",
      file: "---\nexpect:\n  scope: pass\n  limit: fail\n---\nbody\n",
      where: "rubrics/guide.examples/x.md:4",
      says: "`limit` is not a criterion id of rubrics/guide.md",
    },
    {
      name: "a bad label",
      file: "---\nexpect:\n  scope: yes\n---\nbody\n",
      where: "rubrics/guide.examples/x.md:3",
      says: '`expect.scope` has the invalid value "yes"',
    },
    {
      name: "no front matter",
      file: "# Just a page\n",
      where: "rubrics/guide.examples/x.md:1",
      says: "no front matter",
    },
    {
      name: "no labels",
      file: "---\npath: docs/x.md\n---\nbody\n",
      where: "rubrics/guide.examples/x.md:1",
      says: "labels nothing",
    },
  ])("an example with $name: exit 2 with file:line, no model call", async ({ file, where, says }) => {
    const ws = await workspace({ "rubrics/guide.examples/x.md": file });
    const run = await cli(["calibrate", "rubrics/guide.md", "--judge", "openai:gpt-4.1"], ws.root, env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(where);
    expect(run.stderr).toContain(says);
    expect(run.stderr).toContain("fix: ");
    expect(server.requests).toHaveLength(0);
    await ws.cleanup();
  });

  it("suggests the nearest criterion id", async () => {
    const ws = await workspace({ "rubrics/guide.examples/x.md": "---\nexpect: { limit: fail }\n---\n" });
    const run = await cli(["calibrate", "rubrics/guide.md", "--judge", "openai:gpt-4.1"], ws.root, env());
    expect(run.stderr).toContain("did you mean `limits`?");
    await ws.cleanup();
  });

  it("usage and configuration errors exit 2", async () => {
    const ws = await workspace();
    const cases: Array<[string[], string]> = [
      [["calibrate"], "give exactly one rubric file"],
      [["calibrate", "rubrics/nope.md"], "not a rubric file"],
      [["calibrate", "rubrics/guide.md", "--min-kappa", "2"], '--min-kappa "2"'],
      [["calibrate", "rubrics/guide.md", "--samples", "10"], '--samples "10"'],
      [
        ["calibrate", "rubrics/guide.md", "--bogus"],
        "unknown flag --bogus (see rubric-gate calibrate --help for its flags)",
      ],
    ];
    for (const [argv, says] of cases) {
      const run = await cli(argv, ws.root, env());
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.stderr).toContain(says);
    }
    const bare = await makeWorkspace({ "rubrics/guide.md": RUBRIC });
    const noExamples = await cli(
      ["calibrate", "rubrics/guide.md", "--judge", "openai:gpt-4.1"],
      bare.root,
      env(),
    );
    expect(noExamples.code).toBe(2);
    expect(noExamples.stderr).toContain("rubrics/guide.examples/ holds no *.md file");
    expect(server.requests).toHaveLength(0);
    await ws.cleanup();
    await bare.cleanup();
  });

  it("exit 3 when the judge cannot be used: no judge, no key, or no valid answer", async () => {
    const ws = await workspace();
    const noJudge = await cli(["calibrate", "rubrics/guide.md"], ws.root, env());
    expect(noJudge.code).toBe(3);
    expect(noJudge.stderr).toContain("no judge configured");
    const noKey = await cli(["calibrate", "rubrics/guide.md", "--judge", "openai:gpt-4.1"], ws.root, {});
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain("OPENAI_API_KEY");
    expect(server.requests).toHaveLength(0);

    server.setHandler(scripted({ judge: () => ({ text: "no json here" }) }));
    const broken = await cli(
      ["calibrate", "rubrics/guide.md", "--judge", "openai:gpt-4.1", "--report", "cal.json"],
      ws.root,
      env(),
    );
    expect(broken.code).toBe(3);
    const report = await readReport(ws.root);
    expect(report.examples.every((e) => e.status === "grader_error")).toBe(true);
    expect(report.exit_code).toBe(3);
    expect(broken.stdout).toContain("Gate: FAILED (exit 3): the judge could not grade 5 of 5 example(s)");
    await ws.cleanup();
  });

  it("is listed in --help and has its own --help", async () => {
    const ws = await workspace();
    expect((await cli(["--help"], ws.root, {})).stdout).toContain("rubric-gate calibrate");
    const help = await cli(["calibrate", "--help"], ws.root, {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--max-false-pass R");
    await ws.cleanup();
  });
});
