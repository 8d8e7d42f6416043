import { decideGate } from "./gate.js";
import { REPORT_VERSION, type Report } from "./schema.js";

/** Shard reports that cannot be joined: the message names which and why, and says what to do. */
export class MergeError extends Error {
  override readonly name = "MergeError";
}

/**
 * Joins the reports of one sharded run (SPEC §12) into the report an unsharded run would have
 * written: files in path order, totals summed (wall time: the slowest shard, as they ran side by
 * side), and the gate decided again over every file. Every shard must be there exactly once, from the
 * same partition (the same files, rubrics and shard count); anything else is a `MergeError`, never a
 * merged report that passes with a part missing.
 */
export function mergeReports(named: ReadonlyArray<{ name: string; report: Report }>): Report {
  if (named.length === 0) throw new MergeError("no report given; pass every shard's report");
  const unsharded = named.filter((n) => !n.report.shard);
  if (unsharded.length > 0)
    throw new MergeError(
      `${unsharded.map((n) => n.name).join(", ")} ${unsharded.length === 1 ? "is not a shard's report" : "are not shards' reports"} (no \`shard\` field): merge the reports of \`grade --shard I/N\` runs`,
    );
  const shards = named.flatMap(({ name, report }) =>
    report.shard ? [{ name, report, shard: report.shard }] : [],
  );
  const [head] = shards;
  if (!head) throw new MergeError("no report given; pass every shard's report");
  const first = head.shard;
  for (const { name, shard } of shards) {
    if (shard.count !== first.count || shard.partition !== first.partition) {
      throw new MergeError(
        `${name} is shard ${shard.index}/${shard.count} of partition ${shard.partition}, but ${head.name} is shard ${first.index}/${first.count} of partition ${first.partition}: they come from different runs (another commit, other rubrics or another shard count); run every shard on the same commit`,
      );
    }
  }
  const byIndex = new Map<number, string[]>();
  for (const { name, shard } of shards) byIndex.set(shard.index, [...(byIndex.get(shard.index) ?? []), name]);
  const duplicated = [...byIndex.entries()].filter(([, names]) => names.length > 1);
  if (duplicated.length > 0) {
    throw new MergeError(
      duplicated
        .map(([index, names]) => `shard ${index}/${first.count} is given twice (${names.join(", ")})`)
        .join("; ") + ": pass each shard's report once",
    );
  }
  const missing = Array.from({ length: first.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const one = missing.length === 1;
    throw new MergeError(
      `shard${one ? "" : "s"} ${missing.map((i) => `${i}/${first.count}`).join(", ")} ${one ? "is" : "are"} missing: ${one ? "its" : "their"} files were not graded; pass every shard's report (a shard job that failed must be rerun)`,
    );
  }
  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const seen = new Map<string, number>();
  for (const { report, shard } of ordered) {
    for (const file of report.files) {
      const key = `${file.path}\0${file.rubric}`;
      const other = seen.get(key);
      if (other !== undefined && other !== shard.index)
        throw new MergeError(
          `${file.path} (${file.rubric}) is in shard ${other} and shard ${shard.index}: the shards do not come from one partition; run every shard on the same commit`,
        );
      seen.set(key, shard.index);
    }
  }
  const reports = ordered.map((o) => o.report);
  const base = head.report;
  const files = reports
    .flatMap((r) => r.files)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const configErrors = uniqueBy(
    reports.flatMap((r) => r.config_errors),
    (e) => `${e.file}:${e.line}:${e.message}`,
  );
  const sum = (pick: (t: Report["totals"]) => number | undefined): number =>
    reports.reduce((total, r) => total + (pick(r.totals) ?? 0), 0);
  const costs = reports.map((r) => r.totals.cost_usd);
  const rubrics: NonNullable<Report["rubrics"]> = {};
  for (const r of reports) Object.assign(rubrics, r.rubrics ?? {});
  return {
    version: REPORT_VERSION,
    tool: base.tool,
    started_at: reports.map((r) => r.started_at).reduce((a, b) => (b < a ? b : a)),
    judge: base.judge,
    ...(base.judges ? { judges: base.judges } : {}),
    ...(base.judge_samples ? { judge_samples: base.judge_samples } : {}),
    writer: base.writer,
    gate: decideGate(files, configErrors.length),
    config_errors: configErrors,
    totals: {
      files: files.length,
      calls: sum((t) => t.calls),
      judge_calls: sum((t) => t.judge_calls),
      writer_calls: sum((t) => t.writer_calls),
      input_tokens: sum((t) => t.input_tokens),
      output_tokens: sum((t) => t.output_tokens),
      cached_input_tokens: sum((t) => t.cached_input_tokens),
      cached_grades: sum((t) => t.cached_grades),
      cost_usd: costs.some((c) => c === null) ? null : costs.reduce<number>((a, c) => a + (c ?? 0), 0),
      wall_ms: Math.max(...reports.map((r) => r.totals.wall_ms)),
    },
    files,
    merged_shards: reports.length,
    rubrics,
  };
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
