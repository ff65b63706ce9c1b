import { defineConfig } from "vitest/config";

// Page benchmarks: real Chromium against the real server (started as for the browser
// tests), printing their figures. Run alone: `npx vitest run --config vitest.bench.config.ts`.
export default defineConfig({
  test: {
    include: ["bench/**/*.page-bench.ts"],
    environment: "node",
    globalSetup: ["e2e/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
