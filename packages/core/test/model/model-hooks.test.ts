import { describe, expect, it } from "vitest";
import {
  HookedTransformer,
  Tensor,
  SeededRandom,
  getActName,
  createKernelsBackend,
  type RunWithCacheOptions,
} from "../../src/index.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const cfg = smallConfig();
const sd = randomStateDict(cfg);
const newModel = () => new HookedTransformer(cfg, sd);
const tokens = (n: number, seed = 3) => {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, (_, i) => (i === 0 ? 0 : r.int(1, cfg.d_vocab)));
};
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, x === b[i] ? 0 : Math.abs(x - b[i])), 0);

describe("hooks", () => {
  it("ablating a head through hook_z removes exactly its result from attn_out", async () => {
    const model = newModel();
    const toks = tokens(10);
    const base = await model.runWithCache(toks, { removeBatchDim: true });
    const head = 1;
    const ablated = await model.runWithHooks(toks, {
      fwdHooks: [
        [
          "blocks.0.attn.hook_z",
          (z) => {
            const out = z.clone();
            const [B, T, H, Dh] = z.shape;
            for (let b = 0; b < B; b++)
              for (let t = 0; t < T; t++)
                out.data.fill(0, ((b * T + t) * H + head) * Dh, ((b * T + t) * H + head + 1) * Dh);
            return out;
          },
        ],
      ],
      returnType: "logits",
    });
    // Independently: layer-0 attn_out without head 1 = attn_out − result[:, 1]; check via a caching run with the same hook.
    model.addHook("blocks.0.attn.hook_z", (z) => {
      const out = z.clone();
      const [, T, H, Dh] = z.shape;
      for (let t = 0; t < T; t++) out.data.fill(0, (t * H + head) * Dh, (t * H + head + 1) * Dh);
      return out;
    });
    const withCache = await model.runWithCache(toks, { removeBatchDim: true });
    model.resetHooks();
    const attnOut = base.cache.get("attn_out", 0);
    const result = base.cache.get("result", 0);
    const abl = withCache.cache.get("attn_out", 0);
    const [T, D] = attnOut.shape;
    const H = cfg.n_heads;
    for (let t = 0; t < T; t++) {
      for (let m = 0; m < D; m++) {
        const expected = attnOut.data[t * D + m] - result.data[(t * H + head) * D + m];
        expect(abl.data[t * D + m]).toBeCloseTo(expected, 5);
      }
    }
    expect(maxDiff(ablated.logits!.data, withCache.logits!.data)).toBeLessThan(1e-5);
    expect(maxDiff(ablated.logits!.data, base.logits!.data)).toBeGreaterThan(1e-3);
    // After resetHooks the model is back to normal.
    const again = await model.forward(toks);
    expect(maxDiff(again.logits!.data, base.logits!.data)).toBeLessThan(1e-5);
  });

  it("a pattern edit changes what the head reads: an identity pattern makes z equal v", async () => {
    const model = newModel();
    const { cache } = await model
      .runWithCache(tokens(8), {
        removeBatchDim: true,
        // runWithCache applies persistent hooks: add one that makes every head attend to its own position.
      })
      .then(async () => {
        model.addHook("blocks.0.attn.hook_pattern", (p) => {
          const out = Tensor.zeros(p.shape);
          const [B, H, T] = p.shape;
          for (let b = 0; b < B; b++)
            for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) out.data[((b * H + h) * T + i) * T + i] = 1;
          return out;
        });
        const r = await model.runWithCache(tokens(8), { removeBatchDim: true });
        model.resetHooks();
        return r;
      });
    expect(maxDiff(cache.get("z", 0).data, cache.get("v", 0).data)).toBeLessThan(1e-6);
    // The cache records the edited pattern.
    expect(cache.get("pattern", 0).at(2, 5, 5)).toBe(1);
  });

  it("rejects a hook that returns the wrong shape, and unknown hook names", async () => {
    const model = newModel();
    await expect(
      model.runWithHooks(tokens(5), { fwdHooks: [["blocks.1.attn.hook_q", () => Tensor.zeros([1, 2])]] }),
    ).rejects.toThrow(/blocks\.1\.attn\.hook_q.*shape \[1, 2\].*expected \[1, 5, 3, 4\]/);
    expect(() => model.addHook("blocks.0.hook_mlp_out", () => {})).toThrow(
      /Unknown hook point "blocks.0.hook_mlp_out"/,
    );
  });
});

describe("runWithCache", () => {
  it("caches every hook point TransformerLens fires, with its shapes", async () => {
    const model = newModel();
    const { cache } = await model.runWithCache(tokens(7));
    expect(cache.keys()).toEqual(model.hookPoints);
    expect(cache.get("hook_embed").shape).toEqual([1, 7, 16]);
    expect(cache.get("q", 1).shape).toEqual([1, 7, 3, 4]);
    expect(cache.get("attn_scores", 0).shape).toEqual([1, 3, 7, 7]);
    expect(cache.get("result", 1).shape).toEqual([1, 7, 3, 16]);
    expect(cache.get("blocks.1.hook_resid_post").shape).toEqual([1, 7, 16]);
  });

  it("namesFilter keeps only the named hooks", async () => {
    const model = newModel();
    const { cache, logits } = await model.runWithCache(tokens(6), {
      namesFilter: (n) => n.endsWith("hook_pattern"),
      returnType: "none",
    });
    expect(cache.keys()).toEqual(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern"]);
    expect(logits).toBeNull();
    expect(() => cache.get("q", 0)).toThrow(/No activation "blocks.0.attn.hook_q"/);
  });

  it("shortformer: positions reach queries and keys but not values or the residual stream", async () => {
    const model = newModel();
    const { cache } = await model.runWithCache(tokens(5), { removeBatchDim: true });
    const embed = cache.get("hook_embed").data;
    expect(maxDiff(cache.get("resid_pre", 0).data, embed)).toBe(0);
    // v = resid_pre @ W_V + b_V, recomputed by hand for one entry.
    const W_V = sd.get("blocks.0.attn.W_V")!.data as Float32Array;
    const b_V = sd.get("blocks.0.attn.b_V")!.data as Float32Array;
    const pos = cache.get("hook_pos_embed").data;
    const t = 3,
      h = 2,
      d = 1,
      D = 16,
      Dh = 4;
    let v = b_V[h * Dh + d];
    for (let m = 0; m < D; m++) v += embed[t * D + m] * W_V[(h * D + m) * Dh + d];
    expect(cache.get("v", 0).at(t, h, d)).toBeCloseTo(v, 5);
    const W_Q = sd.get("blocks.0.attn.W_Q")!.data as Float32Array;
    const b_Q = sd.get("blocks.0.attn.b_Q")!.data as Float32Array;
    let q = b_Q[h * Dh + d];
    for (let m = 0; m < D; m++) q += (embed[t * D + m] + pos[t * D + m]) * W_Q[(h * D + m) * Dh + d];
    expect(cache.get("q", 0).at(t, h, d)).toBeCloseTo(q, 5);
    // scores above the diagonal are -inf (TransformerLens's IGNORE), patterns there exactly 0.
    expect(cache.get("attn_scores", 0).at(0, 1, 3)).toBe(-Infinity);
    expect(cache.get("pattern", 0).at(0, 1, 3)).toBe(0);
  });

  it("standard positions are added to the residual stream", async () => {
    const std = smallConfig({ positional_embedding_type: "standard" });
    const model = new HookedTransformer(std, sd);
    const { cache } = await model.runWithCache(tokens(5), { removeBatchDim: true });
    const e = cache.get("hook_embed").data,
      p = cache.get("hook_pos_embed").data,
      r = cache.get("resid_pre", 0).data;
    for (let i = 0; i < r.length; i++) expect(r[i]).toBeCloseTo(e[i] + p[i], 6);
  });

  it("a batch gives the same activations as its rows run one by one", async () => {
    const model = newModel();
    const a = tokens(9, 1),
      b = tokens(9, 2);
    const batched = await model.runWithCache([a, b], { returnType: "both", lossPerToken: true });
    for (const [i, row] of [a, b].entries()) {
      const single = await newModel().runWithCache(row, { returnType: "both", lossPerToken: true });
      for (const key of ["pattern", "z"]) {
        expect(maxDiff(batched.cache.get(key, 1).index(i).data, single.cache.get(key, 1).index(0).data)).toBeLessThan(
          1e-6,
        );
      }
      expect(maxDiff(batched.loss!.index(i).data, single.loss!.index(0).data)).toBeLessThan(1e-5);
    }
    expect(() => batched.cache.removeBatchDim()).toThrow(/batch of 1/);
  });

  it("get_act_name shorthand", () => {
    expect(getActName("pattern", 0)).toBe("blocks.0.attn.hook_pattern");
    expect(getActName("attn", 1)).toBe("blocks.1.attn.hook_pattern");
    expect(getActName("resid_post", 1)).toBe("blocks.1.hook_resid_post");
    expect(getActName("embed")).toBe("hook_embed");
    expect(() => getActName("pattern")).toThrow(/needs a layer/);
  });
});

describe("incremental runs", () => {
  it("appending, editing and shortening the input give exactly the activations of a fresh run", async () => {
    const model = newModel();
    const full = tokens(20);
    const cases = [
      full.slice(0, 12),
      full.slice(0, 13),
      full.slice(0, 20),
      [...full.slice(0, 7), 5, ...full.slice(8, 15)],
      full.slice(0, 4),
      full.slice(0, 4),
    ];
    for (const input of cases) {
      for (const returnType of ["loss", "logits", "none"] as const) {
        const inc = await model.runWithCache(input, { removeBatchDim: true, returnType, lossPerToken: true });
        const fresh = await newModel().runWithCache(input, { removeBatchDim: true, returnType, lossPerToken: true });
        for (const key of fresh.cache.keys()) {
          expect(
            maxDiff(inc.cache.get(key).data, fresh.cache.get(key).data),
            `${key}, ${input.length} tokens`,
          ).toBeLessThan(1e-6);
        }
        if (returnType === "loss") expect(maxDiff(inc.loss!.data, fresh.loss!.data)).toBeLessThan(1e-5);
        if (returnType === "logits") expect(maxDiff(inc.logits!.data, fresh.logits!.data)).toBeLessThan(1e-5);
      }
    }
  });
});

describe("incremental runs on the kernels engine (fused attention, patterns-only plans)", () => {
  it("give the activations of a fresh plain-TS run whatever each run asks for", async () => {
    const kernels = await createKernelsBackend({ threads: 1 });
    const model = new HookedTransformer(cfg, sd, { backend: kernels });
    const full = tokens(24, 9);
    const patternsOnly = (n: string) => n.endsWith("hook_pattern");
    const steps: [number[], RunWithCacheOptions][] = [
      [full.slice(0, 10), { returnType: "none", namesFilter: patternsOnly }],
      [full.slice(0, 11), { returnType: "none", namesFilter: patternsOnly }],
      [full.slice(0, 12), { returnType: "loss", namesFilter: [] }],
      [full.slice(0, 14), { returnType: "none", namesFilter: patternsOnly }],
      [full.slice(0, 15), { returnType: "loss" }],
      [full.slice(0, 16), { returnType: "none", namesFilter: (n) => n === "blocks.0.attn.hook_v" }],
      [full.slice(0, 20), { returnType: "both", namesFilter: patternsOnly }],
    ];
    for (const [input, opts] of steps) {
      const inc = await model.runWithCache(input, { ...opts, removeBatchDim: true, lossPerToken: true });
      const fresh = await newModel().runWithCache(input, {
        removeBatchDim: true,
        returnType: "both",
        lossPerToken: true,
      });
      for (const key of inc.cache.keys()) {
        expect(
          maxDiff(inc.cache.get(key).data, fresh.cache.get(key).data),
          `${key}, ${input.length} tokens`,
        ).toBeLessThan(1e-5);
      }
      if (opts.returnType === "loss" || opts.returnType === "both")
        expect(maxDiff(inc.loss!.data, fresh.loss!.data)).toBeLessThan(1e-4);
      if (opts.returnType === "both") expect(maxDiff(inc.logits!.data, fresh.logits!.data)).toBeLessThan(1e-4);
    }
    kernels.dispose();
  });
});

describe("reused activation buffers", () => {
  it("never overwrite what a cache or a hook received, on either engine", async () => {
    const kernels = await createKernelsBackend({ threads: 1 });
    for (const model of [newModel(), new HookedTransformer(cfg, sd, { backend: kernels })]) {
      const a = tokens(20, 4),
        b = tokens(20, 5);
      const first = await model.runWithCache(a, { removeBatchDim: true });
      const held = new Map([...first.cache.keys()].map((k) => [k, first.cache.get(k).data.slice()]));
      // A hook that keeps a reference to the tensor it was shown.
      let hooked: Float32Array | null = null;
      model.addHook("blocks.0.attn.hook_v", (t) => void (hooked = t.data));
      await model.runWithCache(b, { returnType: "none", namesFilter: [] });
      model.resetHooks();
      const hookedCopy = hooked!.slice();
      // Runs whose intermediates are pooled: patterns only, incremental appends, edits, fresh inputs.
      for (const input of [a, [...a, 7], b, b.slice(0, 12), [...b.slice(0, 12), 3, 4], a]) {
        await model.runWithCache(input, { returnType: "none", namesFilter: (n) => n.endsWith("hook_pattern") });
        await model.runWithCache(input, { returnType: "loss", namesFilter: [] });
      }
      for (const [k, copy] of held) expect(maxDiff(first.cache.get(k).data, copy), k).toBe(0);
      expect(maxDiff(hooked!, hookedCopy)).toBe(0);
      // And the pooled runs still give a fresh model's activations.
      const again = await model.runWithCache(b, { removeBatchDim: true });
      const ref = await newModel().runWithCache(b, { removeBatchDim: true });
      for (const k of ref.cache.keys())
        expect(maxDiff(again.cache.get(k).data, ref.cache.get(k).data), k).toBeLessThan(1e-5);
    }
    kernels.dispose();
  });
});

describe("input errors", () => {
  const model = newModel();
  it("names the position of a token id outside the vocabulary", async () => {
    await expect(model.runWithCache([0, 3, 50])).rejects.toThrow(
      "token id 50 at position 2 is outside the vocabulary (d_vocab = 50",
    );
    await expect(
      model.runWithCache([
        [0, 1],
        [0, -1],
      ]),
    ).rejects.toThrow("batch row 1: token id -1 at position 1");
    await expect(model.runWithCache([0, 1.5])).rejects.toThrow(/position 1 is 1.5, not an integer/);
  });
  it("refuses inputs longer than n_ctx, empty inputs and ragged batches", async () => {
    await expect(model.runWithCache(new Array(33).fill(1))).rejects.toThrow(
      "token sequence is 33 tokens long, more than n_ctx = 32",
    );
    await expect(model.runWithCache([])).rejects.toThrow(/empty/);
    await expect(
      model.runWithCache([
        [0, 1, 2],
        [0, 1],
      ]),
    ).rejects.toThrow(/equal lengths/);
    await expect(
      model.runWithCache(
        [
          [0, 1],
          [0, 2],
        ],
        { removeBatchDim: true },
      ),
    ).rejects.toThrow(/removeBatchDim needs a batch of 1/);
  });
  it("text needs a tokenizer", async () => {
    await expect(model.runWithCache("hello")).rejects.toThrow(/no tokenizer/);
  });
});
