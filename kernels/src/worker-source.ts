// Source of the compute worker, run from a string (Node: `eval: true`; browsers: a Blob URL) so the
// package needs no separate worker file that bundlers would have to find. It instantiates the same
// compiled module on the shared memory, then serves jobs posted through a control block in that memory:
//   i32[CTL/4 + 0] job sequence number (bumped by the host), [1] completed sequence, [2] export index,
//   [3] argument count (set to -1 by the worker when the call failed), f64 arguments from byte CTL + 16.
export const workerSource = String.raw`
"use strict";
const port = (typeof self !== "undefined" && typeof self.postMessage === "function")
  ? { on: (f) => { self.onmessage = (e) => f(e.data); }, post: (m) => self.postMessage(m) }
  : (() => { const p = require("node:worker_threads").parentPort; return { on: (f) => p.on("message", f), post: (m) => p.postMessage(m) }; })();
port.on((msg) => {
  const { module, memory, ctl, names } = msg;
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  const fns = names.map((n) => inst.exports[n]);
  const i32 = new Int32Array(memory.buffer, ctl, 4);
  const f64 = new Float64Array(memory.buffer, ctl + 16, 30);
  // Read the sequence number before saying ready: the host may post its first job right after.
  let seen = Atomics.load(i32, 0);
  port.post("ready");
  for (;;) {
    let s = Atomics.load(i32, 0);
    // Spin up to about a millisecond before sleeping: ops come in quick bursts during a forward pass, with
    // host-side work between them, and a wake-up from Atomics.wait costs tens of microseconds.
    for (let spin = 0; s === seen && spin < 200000; spin++) s = Atomics.load(i32, 0);
    if (s === seen) { Atomics.wait(i32, 0, seen); continue; }
    seen = s;
    if (i32[2] < 0) break;
    const n = i32[3];
    const args = new Array(n);
    for (let i = 0; i < n; i++) args[i] = f64[i];
    // A trap must not leave the host waiting forever: report it through the control block.
    try { fns[i32[2]](...args); i32[3] = 0; } catch (e) { i32[3] = -1; console.error("kernels worker:", e); }
    Atomics.store(i32, 1, s);
    Atomics.notify(i32, 1);
  }
});
`;
