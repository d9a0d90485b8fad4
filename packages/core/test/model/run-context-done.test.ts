// RunContext.done gives a layer's temporaries back to the pool within a run, so the next layer takes the same
// arrays instead of new ones; arrays that left the model (hooks, the cache) or that the run keeps are never reused.
import { describe, expect, it } from "vitest";
import { tsBackend } from "../../src/index.js";
import { RunContext, RunMemory, nameMatcher } from "../../src/model/run-context.js";
import { smallConfig } from "../helpers/random-state-dict.js";

const cfg = smallConfig();
const context = (memory: RunMemory, opts: { cache?: string[]; incremental?: "auto" | false } = {}) =>
  new RunContext({
    cfg,
    backend: tsBackend,
    batch: [Int32Array.from([0, 1, 2, 3])],
    hooks: [],
    cacheFilter: opts.cache ? nameMatcher(opts.cache) : null,
    memory,
    incremental: opts.incremental ?? false,
    joined: [],
  });

describe("RunContext.done", () => {
  it("lets the next take of the same size reuse an array within the run", () => {
    const ctx = context(new RunMemory());
    const a = ctx.take(64);
    ctx.done(a);
    expect(ctx.take(64)).toBe(a);
    // Arrays the run did not take are not the pool's to keep.
    const foreign = new Float32Array(32);
    ctx.done(foreign);
    expect(ctx.take(32)).not.toBe(foreign);
  });

  it("never reuses an array the cache received or the run keeps for the next one", () => {
    const cached = context(new RunMemory(), { cache: ["blocks.0.mlp.hook_pre"] });
    const a = cached.take(16);
    cached.observedRows("blocks.0.mlp.hook_pre", 4, a, [1, 4, 4]);
    cached.done(a);
    expect(cached.take(16)).not.toBe(a);

    const reusable = context(new RunMemory(), { incremental: "auto" });
    const b = reusable.take(16);
    reusable.rows("blocks.0.hook_resid_pre", 4, b, [1, 4, 4]);
    reusable.done(b);
    expect(reusable.take(16)).not.toBe(b);
  });
});
