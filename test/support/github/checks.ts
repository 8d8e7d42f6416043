/** Check runs and their annotations (`checks/*`). */
import { notFound, forbidden, paginate, type Handlers } from "./http.js";
import type { Shapes } from "./shapes.js";
import type { StoredAnnotation, StoredCheckRun } from "./types.js";
import type { World } from "./world.js";

export function checkHandlers(world: World, shapes: Shapes): Handlers {
  const { state, options, htmlRepo, now } = world;
  const { checkRunJson } = shapes;

  const checksDoc = "https://docs.github.com/rest/checks/runs";

  function applyCheckRun(run: StoredCheckRun, body: Record<string, unknown>): void {
    if (typeof body["name"] === "string") run.name = body["name"];
    if (typeof body["details_url"] === "string") run.details_url = body["details_url"];
    if (typeof body["external_id"] === "string") run.external_id = body["external_id"];
    if (typeof body["started_at"] === "string") run.started_at = body["started_at"];
    if (typeof body["status"] === "string") run.status = body["status"];
    if (typeof body["conclusion"] === "string") {
      run.conclusion = body["conclusion"];
      run.status = "completed";
    }
    if (run.status === "completed")
      run.completed_at =
        typeof body["completed_at"] === "string" ? body["completed_at"] : (run.completed_at ?? now());
    const output = body["output"] as
      { title?: string; summary?: string; text?: string; annotations?: StoredAnnotation[] } | undefined;
    if (output !== undefined) {
      if (output.title !== undefined) run.output.title = output.title;
      if (output.summary !== undefined) run.output.summary = output.summary;
      if (output.text !== undefined) run.output.text = output.text;
      run.annotations.push(...(output.annotations ?? []));
    }
  }

  /** Lines a review comment may sit on: for each side, the lines the diff shows. */
  return {
    "checks/create": (ctx) => {
      if (options.checksWritable === false) return forbidden(`${checksDoc}#create-a-check-run`);
      const run: StoredCheckRun = {
        id: world.nextId(),
        name: "",
        head_sha: String(ctx.body["head_sha"]),
        status: "queued",
        conclusion: null,
        started_at: now(),
        completed_at: null,
        details_url: null,
        external_id: null,
        output: { title: null, summary: null, text: null },
        annotations: [],
      };
      applyCheckRun(run, ctx.body);
      state.checkRuns.push(run);
      return { status: 201, body: checkRunJson(run) };
    },
    "checks/update": (ctx) => {
      if (options.checksWritable === false) return forbidden(`${checksDoc}#update-a-check-run`);
      const run = state.checkRuns.find((r) => r.id === ctx.params["check_run_id"]);
      if (run === undefined) return notFound;
      applyCheckRun(run, ctx.body);
      return { status: 200, body: checkRunJson(run) };
    },
    "checks/get": (ctx) => {
      const run = state.checkRuns.find((r) => r.id === ctx.params["check_run_id"]);
      return run === undefined ? notFound : { status: 200, body: checkRunJson(run) };
    },
    "checks/list-annotations": (ctx) => {
      const run = state.checkRuns.find((r) => r.id === ctx.params["check_run_id"]);
      if (run === undefined) return notFound;
      return paginate(ctx, run.annotations, (a) => ({
        path: a.path,
        start_line: a.start_line,
        end_line: a.end_line,
        start_column: a.start_column ?? null,
        end_column: a.end_column ?? null,
        annotation_level: a.annotation_level,
        title: a.title ?? null,
        message: a.message,
        raw_details: a.raw_details ?? null,
        blob_href: `${htmlRepo}/blob/${run.head_sha}/${a.path}`,
      }));
    },
    "checks/list-for-ref": (ctx) => {
      const ref = String(ctx.params["ref"]);
      const sha = state.refs.get(ref.replace(/^(refs\/)?heads\//, "")) ?? ref;
      let runs = state.checkRuns.filter((r) => r.head_sha === sha);
      if (typeof ctx.query["check_name"] === "string")
        runs = runs.filter((r) => r.name === ctx.query["check_name"]);
      if (typeof ctx.query["status"] === "string")
        runs = runs.filter((r) => r.status === ctx.query["status"]);
      if (ctx.query["filter"] !== "all") {
        runs = runs.filter((r) => !runs.some((other) => other.name === r.name && other.id > r.id));
      }
      const page = paginate(ctx, [...runs].reverse(), checkRunJson);
      return { ...page, body: { total_count: runs.length, check_runs: page.body ?? [] } };
    },
  };
}
