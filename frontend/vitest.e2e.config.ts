import { defineConfig } from "vitest/config";

// Browser tests: real Chromium (playwright-core driving the system's chromium)
// against the real LayerLab server, which e2e/global-setup.ts starts on a free
// port with a fresh data directory, serving the built frontend/dist.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    globalSetup: ["e2e/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // The tests in a file share one browser and run in order.
    sequence: { concurrent: false },
  },
});
