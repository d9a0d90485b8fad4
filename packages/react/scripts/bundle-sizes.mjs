// Prints the sizes of the one-file bundles and of each component tree-shaken out of the ES
// package (React external, minified), as the README's table lists them:
//   node scripts/bundle-sizes.mjs   (after npm run build)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "..", "dist");
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = (file) => {
  const data = readFileSync(file);
  return `${kib(data.length)} (${kib(gzipSync(data, { level: 9 }).length)} gzipped)`;
};

console.log("| file | size |\n| --- | --- |");
for (const f of ["attnscope.iife.js", "attnscope.mjs"])
  console.log(`| \`dist/cdn/${f}\` (React included) | ${sizes(path.join(dist, "cdn", f))} |`);

const names = Object.keys(await import(path.join(dist, "components.js"))).sort();
const tmp = mkdtempSync(path.join(tmpdir(), "attnscope-sizes-"));
console.log("\n| component (ESM, tree-shaken, React external) | size |\n| --- | --- |");
try {
  for (const name of names) {
    const entry = path.join(tmp, `${name}.js`);
    writeFileSync(entry, `export { ${name} } from ${JSON.stringify(path.join(dist, "index.js"))};\n`);
    await build({
      logLevel: "silent",
      configFile: false,
      build: {
        outDir: path.join(tmp, name),
        minify: true,
        lib: { entry, formats: ["es"], fileName: () => "out.js" },
        rolldownOptions: { external: [/^react($|\/)/, /^react-dom($|\/)/], output: { minify: true } },
      },
    });
    console.log(`| \`${name}\` | ${sizes(path.join(tmp, name, "out.js"))} |`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
