// Child-process entry: runs every op case against the kernels backends this process can build, prints one
// JSON line. Started with --experimental-wasm-relaxed-simd by the relaxed-SIMD test; needs core's dist/.
import { runAllCases } from "./check.mjs";

const core = await import("../../dist/index.js").catch((e) => {
  console.log(JSON.stringify({ error: `build @attnscope/core first (npm run build): ${e.message}` }));
  process.exit(0);
});
const out = [];
for (const threads of [1, 2]) {
  const be = await core.createKernelsBackend({ relaxed: true, threads, minSplitWork: 0 });
  out.push({ backend: be.name, results: runAllCases(be) });
  be.dispose();
}
console.log(JSON.stringify({ backends: out }));
