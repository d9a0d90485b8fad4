import { defineConfig } from "vitest/config";

// The end-to-end test builds and serves the app and drives Chromium: one file, generous timeouts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
