import path from "node:path";
import { fileURLToPath } from "node:url";
import { storybookTest } from "@storybook/addon-vitest/vitest-plugin";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

const here = path.dirname(fileURLToPath(import.meta.url));

// Two projects: fast jsdom unit tests, and every story run as a test in headless Debian Chromium
// (the system browser; nothing is downloaded). Set ATTNSCOPE_SKIP_BROWSER_TESTS=1 to run only
// the unit tests.
const browserTests = process.env.ATTNSCOPE_SKIP_BROWSER_TESTS !== "1";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          environment: "jsdom",
          // Generous: on a loaded 2-core machine a jsdom render with React can take several seconds.
          testTimeout: 30_000,
          include: ["src/**/*.test.{ts,tsx}"],
          setupFiles: ["src/test-setup.ts"],
        },
      },
      ...(browserTests
        ? [
            {
              // The no-build pages (examples/, toStandaloneHtml) in Chromium, on the built bundle.
              test: {
                name: "pages",
                environment: "node",
                include: ["test/**/*.test.ts"],
                testTimeout: 60_000,
                fileParallelism: false,
              },
            },
            {
              plugins: [storybookTest({ configDir: path.join(here, "..", "..", ".storybook") })],
              test: {
                name: "storybook",
                testTimeout: 90_000,
                // One browser, one page at a time: the machine has 2 cores shared with others.
                fileParallelism: false,
                browser: {
                  enabled: true,
                  headless: true,
                  provider: playwright({
                    launchOptions: {
                      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
                      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                    },
                  }),
                  instances: [{ browser: "chromium" as const }],
                },
              },
            },
          ]
        : []),
    ],
  },
});
