import { describe, expect, it, vi } from "vitest";

// The kernels fail to start here (as they do when an engine's memory cannot grow): "auto" must say so.
vi.mock("../../src/backend/kernels-backend.js", () => ({
  kernelsAvailable: () => true,
  createKernelsBackend: () => Promise.reject(new Error("WebAssembly.Memory(): could not allocate memory")),
}));

const { HookedTransformer, createInProcessEngine, modelEngine, resolveBackendWithStatus, hookNames } =
  await import("../../src/index.js");
const { randomStateDict, smallConfig } = await import("../helpers/random-state-dict.js");

const cfg = smallConfig();
const sd = randomStateDict(cfg);
const toks = [0, 5, 9, 3, 7, 5, 9];

describe("engine status", () => {
  it("reports a kernels start-up failure instead of swallowing it, and runs on ts", async () => {
    const r = await resolveBackendWithStatus("auto");
    expect(r.backend.name).toBe("ts");
    expect(r.warning).toBe("kernels unavailable: WebAssembly.Memory(): could not allocate memory; using ts");
    const engine = await createInProcessEngine(cfg, sd);
    expect(engine.status).toEqual({ name: "ts", warning: r.warning });
    await engine.dispose();
  });

  it('the model loaded with backend "auto" carries the same warning in its status', async () => {
    const model = await HookedTransformer.fromPretrained(undefined, { backend: "auto" });
    expect(model.status.backend).toBe("ts");
    expect(model.status.warning).toMatch(/^kernels unavailable: .*could not allocate memory; using ts$/);
    const plain = new HookedTransformer(cfg, sd);
    expect(plain.status).toEqual({ backend: "ts", warning: null });
  });

  it('"kernels" asked for explicitly throws the start-up error', async () => {
    await expect(resolveBackendWithStatus("kernels")).rejects.toThrow(/could not allocate memory/);
  });
});

describe("in-process engine", () => {
  it("returns the outputs asked for, as the model computes them", async () => {
    const model = new HookedTransformer(cfg, sd);
    const engine = modelEngine(model);
    const want = await model.runWithCache(toks, { returnType: "both", lossPerToken: true });
    const r = await engine.run(Int32Array.from(toks), { patterns: true, logits: true, loss: true });
    expect(r.logits!.data).toEqual(want.logits!.data);
    expect(r.loss!.shape).toEqual([1, toks.length - 1]);
    expect(r.loss!.data).toEqual(want.loss!.data);
    expect(r.patterns!.length).toBe(cfg.n_layers);
    r.patterns!.forEach((p, l) => expect(p.data).toEqual(want.cache.get("pattern", l).data));
    expect(r.cache).toBeUndefined();

    const onlyLoss = await engine.run(toks, { loss: true }, { incremental: false });
    expect(Object.keys(onlyLoss)).toEqual(["loss"]);
    const names = hookNames(cfg.n_layers);
    const cached = await engine.run([toks, toks], { cache: names[2] });
    expect(cached.cache!.keys()).toEqual([names[2]]);
    expect(cached.cache!.get(names[2]).shape[0]).toBe(2);
  });
});
