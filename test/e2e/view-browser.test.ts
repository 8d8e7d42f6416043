/// <reference lib="dom" />
// The report page in a real headless browser (Debian's chromium, driven by playwright-core): a report
// from a real end-to-end run, rendered by `rubric-gate view`, opened from a file with no server, must
// show the chart and every criterion, make no network request, log no console error, pass axe's WCAG
// 2 A/AA rules (contrast, labels, keyboard), filter by keyboard and print every section. Screenshots
// go to test-artifacts/ for a person to look at.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CalibrationReport } from "../../src/calibrate/schema.js";
import type { Report } from "../../src/report/schema.js";
import { HOSTILE_NAME, runJourney } from "../support/journey.js";
import { cli } from "../support/workspace.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(
    `SKIPPED: the report page's browser test needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set CHROMIUM_PATH). .ci/run installs it.`,
  );
}
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let browser: Browser;
beforeAll(async () => {
  if (!available) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As the machine's notes say: without these, Chromium calls Google's hosts at start.
    args: [
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  requests: string[];
  errors: string[];
}

/** Opens a page from its file, recording every request and every console error; any non-file request is refused. */
async function open(file: string, options: { bypassCSP?: boolean } = {}): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...options });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  await context.route(/^(?!file:)/, (route) => route.abort());
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, requests, errors };
}

async function axeViolations(file: string): Promise<string[]> {
  const { page } = await open(file, { bypassCSP: true });
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            o: object,
          ) => Promise<{
            violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }>;
          }>;
        };
      }
    ).axe;
    return axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } });
  });
  await page.context().close();
  return result.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.length}× e.g. ${JSON.stringify(v.nodes[0]?.target)})`,
  );
}

describe.skipIf(!available)("the report page in headless Chromium", () => {
  it("shows a real run: the chart with its regression, every criterion, no network, no console error", async () => {
    const { ws, run } = await runJourney();
    expect(run.code, run.stderr).toBe(1);
    const view = await cli(["view", "report.json"], ws.root, {});
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toContain("Wrote report.html");
    const report = JSON.parse(await ws.read("report.json")) as Report;
    const file = join(ws.root, "report.html");

    const { page, requests, errors } = await open(file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    // The hostile page's markup is text: no picture, one script (the page's own).
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    expect(await page.locator("summary .path").allTextContents()).toContain(HOSTILE_NAME);

    // A chart per graded file; the guide's peaks at iteration 1 and regresses at 2.
    expect(await page.locator("svg.chart").count()).toBe(2);
    const guide = report.files.find((f) => f.path === "docs/guide.md")!;
    expect(guide.best_iteration).toBe(1);
    expect(guide.iterations.at(-1)!.score!).toBeLessThan(guide.best_score!);
    const chart = page.locator("details.file", { hasText: "docs/guide.md" }).locator("svg.chart");
    expect(await chart.getAttribute("aria-label")).toContain("iteration 1: 0.67 (best)");
    await expect.poll(() => chart.getByText(/^regressed/).isVisible()).toBe(true);

    // Every criterion's verdict of every iteration, with its evidence and location.
    let verdicts = 0;
    for (const [n, f] of report.files.entries()) {
      for (const iteration of f.iterations) {
        for (const [id, v] of Object.entries(iteration.verdicts)) {
          verdicts++;
          const row = page.locator(`[id="f${n}-i${iteration.index}-${encodeURIComponent(id)}"]`);
          expect(await row.count(), `${f.path} ${iteration.index} ${id}`).toBe(1);
          expect(await row.textContent()).toContain(id);
          if (v.location) expect(await row.textContent()).toContain(v.location);
        }
      }
    }
    expect(verdicts).toBeGreaterThan(10);
    expect(await page.locator("tr.verdict").count()).toBe(verdicts);
    // The diff between iterations is on the page.
    expect(await page.locator("pre.diff .add", { hasText: "+Usage: `tool run`" }).count()).toBeGreaterThan(0);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("view-report.png", ARTIFACTS).pathname, fullPage: true });

    // Keyboard: tab to the "satisfied" filter and press space; the satisfied file is hidden.
    const box = page.locator('input[name="result"][value="satisfied"]');
    for (let i = 0; i < 20 && !(await box.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press("Space");
    await expect.poll(() => page.locator("#shown").textContent()).toBe("1 of 2 files shown");
    expect(await page.locator("details.file", { hasText: HOSTILE_NAME }).isHidden()).toBe(true);

    // Printed: filters gone, every section open.
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("#filters").isVisible()).toBe(false);
    await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
    expect(await page.locator("details:not([open])").count()).toBe(0);
    const pdf = await page.pdf();
    expect(pdf.byteLength).toBeGreaterThan(10_000);
    await writeFile(new URL("view-report.pdf", ARTIFACTS), pdf);
    await page.context().close();

    expect(await axeViolations(file)).toEqual([]);
    await ws.cleanup();
  }, 120_000);

  it("shows a calibration report with its confusion matrices as pictures", async () => {
    const metrics = (pp: number, pf: number, fp: number, ff: number) => ({
      labeled: pp + pf + fp + ff,
      agreement: (pp + ff) / (pp + pf + fp + ff),
      kappa: 0.4,
      false_pass_rate: fp / (fp + ff),
      false_fail_rate: pf / (pp + pf),
      confusion: {
        expected_pass: { judged_pass: pp, judged_fail: pf },
        expected_fail: { judged_pass: fp, judged_fail: ff },
      },
      flip_rate: null,
    });
    const calibration: CalibrationReport = {
      version: 1,
      kind: "calibration",
      tool: { name: "rubric-gate", version: "0.1.0" },
      started_at: "2026-12-03T10:00:00.000Z",
      rubric: { path: "rubrics/guide.md", sha256: "b".repeat(64), criteria: ["scope", "limits"] },
      judges: ["openai:gpt-4.1"],
      samples: 1,
      examples: [
        {
          path: "rubrics/guide.examples/c.md",
          presented_path: "docs/c.md",
          status: "graded",
          error: null,
          expected_result: "needs_revision",
          result: "satisfied",
          applicable: true,
          summary: "graded",
          verdicts: {
            scope: {
              expected: "pass",
              verdict: "pass",
              agrees: true,
              evidence: "Scope:",
              explanation: "ok",
              evidence_verified: true,
              flipped: false,
            },
            limits: {
              expected: "fail",
              verdict: "pass",
              agrees: false,
              evidence: "There may be limits.",
              explanation: "mentions limits",
              evidence_verified: true,
              flipped: false,
            },
          },
          calls: 1,
        },
      ],
      metrics: {
        criteria: { scope: metrics(4, 0, 0, 1), limits: metrics(2, 1, 2, 0) },
        all_criteria: metrics(6, 1, 2, 1),
        result: metrics(1, 1, 1, 2),
      },
      gates: {
        min_kappa: 0.5,
        max_false_pass: null,
        passed: false,
        violations: [
          { row: "limits", metric: "kappa", value: 0.4, limit: 0.5, message: "limits: kappa 0.40 < 0.5" },
        ],
      },
      exit_code: 1,
      totals: {
        examples: 1,
        graded: 1,
        calls: 1,
        input_tokens: 100,
        output_tokens: 20,
        cached_input_tokens: 0,
        cost_usd: 0.001,
        wall_ms: 1200,
      },
    };
    const dir = new URL("calibration/", ARTIFACTS);
    await mkdir(dir, { recursive: true });
    await writeFile(new URL("cal.json", dir), JSON.stringify(calibration));
    const view = await cli(["view", "cal.json", "-o", "cal.html"], dir.pathname, {});
    expect(view.code, view.stderr).toBe(0);
    const file = new URL("cal.html", dir).pathname;
    const { page, requests, errors } = await open(file);
    expect(errors).toEqual([]);
    expect(requests).toHaveLength(1);
    // One matrix per criterion, all criteria and the result; each cell's count is drawn.
    expect(await page.locator("svg.confusion").count()).toBe(4);
    const limits = page.locator("figure", { hasText: "limits" }).first().locator("svg.confusion");
    expect(await limits.getAttribute("aria-label")).toContain("labeled fail judged pass 2");
    expect(await page.getByText("limits: kappa 0.40 < 0.5").isVisible()).toBe(true);
    await page.screenshot({ path: new URL("view-calibration.png", ARTIFACTS).pathname, fullPage: true });
    await page.context().close();
    expect(await axeViolations(file)).toEqual([]);
    expect((await readFile(file, "utf8")).length).toBeGreaterThan(1000);
  }, 60_000);
});
