// Runs the Python package's tests (pytest) as part of `npm test`, after the build copied the
// bundle into python/attnscope_vis/static/. Without python3 or pytest it says so and skips.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// The package build copies the bundle, but a build restored from turbo's cache does not run it.
await import("../packages/react/scripts/copy-bundle.mjs");
const python = process.env.PYTHON ?? "python3";
const probe = spawnSync(python, ["-c", "import pytest"], { encoding: "utf8" });
if (probe.error || probe.status !== 0) {
  const why = probe.error ? `${python} was not found` : `pytest is not installed for ${python}`;
  console.log(`python tests skipped: ${why}`);
  process.exit(0);
}
const run = spawnSync(python, ["-m", "pytest", path.join(here, "tests"), "-q", "-p", "no:cacheprovider"], {
  stdio: "inherit",
  cwd: here,
});
process.exit(run.status ?? 1);
