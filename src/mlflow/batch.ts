/** MLflow's limits on one `runs/log-batch` request (REST API reference, "Log Batch: Request Limits"). */
export const LOG_BATCH_LIMITS = {
  metrics: 1000,
  params: 100,
  tags: 100,
  /** Metrics, params and tags together. */
  total: 1000,
  /** Bytes of the JSON-serialized request. */
  bytes: 1024 * 1024,
} as const;

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface KeyValue {
  key: string;
  value: string;
}
export interface LogBatch {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** Room kept in each request for `{"run_id":"…","metrics":[],"params":[],"tags":[]}`. */
const ENVELOPE_BYTES = 512;

/**
 * Splits a run's metrics, params and tags into `log-batch` requests that each stay within every limit
 * (counts per kind, the combined count and the request's size), keeping each kind's order.
 */
export function splitLogBatch(all: LogBatch, limits = LOG_BATCH_LIMITS): LogBatch[] {
  const batches: LogBatch[] = [];
  let current: LogBatch = { metrics: [], params: [], tags: [] };
  let bytes = ENVELOPE_BYTES;
  const count = (b: LogBatch): number => b.metrics.length + b.params.length + b.tags.length;
  const add = <K extends keyof LogBatch>(kind: K, item: LogBatch[K][number]): void => {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    const full =
      current[kind].length >= limits[kind] || count(current) >= limits.total || bytes + size > limits.bytes;
    if (full && count(current) > 0) {
      batches.push(current);
      current = { metrics: [], params: [], tags: [] };
      bytes = ENVELOPE_BYTES;
    }
    (current[kind] as LogBatch[K][number][]).push(item);
    bytes += size;
  };
  // Params and tags first: they are few and describe the run, so a reader sees them in the first request.
  for (const param of all.params) add("params", param);
  for (const tag of all.tags) add("tags", tag);
  for (const metric of all.metrics) add("metrics", metric);
  if (count(current) > 0) batches.push(current);
  return batches;
}

/**
 * A metric, param or tag key MLflow accepts: letters, digits, `_`, `-`, `.`, space and `/`, at most 250
 * characters, not starting with `/` and without `..`. Other characters become `_`.
 */
export function mlflowKey(key: string): string {
  const cleaned = key
    .replace(/[^\w.\- /]/g, "_")
    .replace(/\.{2,}/g, "_")
    .replace(/^\/+/, "_");
  return cleaned.slice(0, 250) || "_";
}

/** A value cut to `max` characters (params: 500, the limit of older servers; tags: 5000). */
export function cutValue(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
