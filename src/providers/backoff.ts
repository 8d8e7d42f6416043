const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;

/** Exponential backoff with jitter before retry number `retry` (0-based): 0.5 s × 2^retry, capped at 8 s, minus up to 25 %. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** retry, BACKOFF_CAP_MS);
  return base * (1 - 0.25 * random());
}
