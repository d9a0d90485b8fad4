import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests load 26 MB fixtures and full-size models; two at a time fits the 2-core CI box.
    maxWorkers: 2,
  },
});
