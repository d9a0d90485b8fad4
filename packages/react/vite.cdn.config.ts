import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

// The one-file bundles of dist/cdn/: React and every component inside, for <script> tags, CDNs,
// notebooks and standalone pages. Built after tsc by `npm run build`.
export default defineConfig({
  logLevel: "warn",
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: path.join(here, "dist", "cdn"),
    emptyOutDir: true,
    target: "es2020",
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    // Library mode keeps whitespace in ES output by default; this file is for browsers, not bundlers.
    rolldownOptions: { output: { minify: true } },
    lib: {
      entry: path.join(here, "src", "cdn.ts"),
      name: "attnscope",
      formats: ["es", "iife"],
      fileName: (format) => (format === "es" ? "attnscope.mjs" : "attnscope.iife.js"),
    },
  },
});
