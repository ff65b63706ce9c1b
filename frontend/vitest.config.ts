import { defineConfig } from "vitest/config";

// Unit tests: pure modules (graph utilities, store, frame decoder, stream client),
// run in Node without a browser.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
