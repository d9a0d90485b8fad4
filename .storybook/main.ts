import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { StorybookConfig } from "@storybook/react-vite";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// TransformerLens goldens live next to the repository, never inside it; serve them when present.
const fixtures = resolve(repoRoot, "..", "shared", "fixtures");

const config: StorybookConfig = {
  stories: ["../packages/react/src/**/*.stories.@(ts|tsx)"],
  addons: ["@storybook/addon-vitest"],
  framework: { name: "@storybook/react-vite", options: {} },
  staticDirs: existsSync(fixtures) ? [{ from: fixtures, to: "/fixtures" }] : [],
  core: { disableTelemetry: true },
  typescript: { reactDocgen: "react-docgen-typescript" },
};

export default config;
