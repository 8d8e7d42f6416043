import { defineConfig } from "vitest/config";

// Two projects: the fast tests share one module graph per worker (no per-file isolation: they hold
// no global state between files), the end-to-end tests each get a fresh process. Two workers: on the
// 2-core machines CI runs on, Vitest's default (cores - 1) would run one file at a time, and the
// end-to-end files spend much of their time waiting on child processes and sockets.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/e2e/**"], isolate: false },
      },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"] } },
    ],
  },
});
