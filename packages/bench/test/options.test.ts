// npm run bench's options and its GPT-2 small model, on what needs no timing: what a command line runs, what it
// refuses, and the random model's config, size, work and tied unembedding.
import { describe, expect, it } from "vitest";
import { parsePlan } from "../src/options.js";
import { benchConfig, forwardFlops, randomStateDict, weightsMb } from "../src/random-model.js";

const ALL = ["kernels", "ts", "ort-web", "ort-node"] as const;
const plan = (...argv: string[]) => parsePlan(argv, ALL);

describe("npm run bench's plan", () => {
  it("the default model: every engine, threads 1 and 2, T = 62 … 2048, every mode, relaxed SIMD too", () => {
    expect(plan()).toEqual({
      config: "attn-only-2l-half",
      engines: [...ALL],
      threads: [1, 2],
      Ts: [62, 256, 1024, 2048],
      modes: ["patterns", "append1", "loss", "full"],
      repeat: 1,
      relaxed: true,
      quick: false,
    });
    expect(plan("--quick")).toMatchObject({ Ts: [62], relaxed: false, quick: true });
  });

  it("--config gpt2-small: kernels, ort-web and ort-node on one thread, patterns, loss and full logits at T = 62", () => {
    expect(plan("--config", "gpt2-small")).toEqual({
      config: "gpt2-small",
      engines: ["kernels", "ort-web", "ort-node"],
      threads: [1],
      Ts: [62],
      modes: ["patterns", "loss", "full"],
      repeat: 1,
      relaxed: false,
      quick: false,
    });
    expect(plan("--config", "gpt2-small", "--seq", "62,256,1024", "--threads", "2")).toMatchObject({
      Ts: [62, 256, 1024],
      threads: [2],
    });
    expect(plan("--config", "gpt2-small", "--T", "256", "--engines", "kernels")).toMatchObject({
      Ts: [256],
      engines: ["kernels"],
    });
  });

  it.each([
    [["--config", "gpt3"], /--config: unknown model "gpt3" \(known: attn-only-2l-half, gpt2-small\)/],
    [["--config"], /--config needs a value/],
    [["--config", "gpt2-small", "--seq", "2048"], /--seq: expected integers 1…1024, got "2048"/],
    [["--T", "4096"], /--T: expected integers 1…2048, got "4096"/],
    [
      ["--config", "gpt2-small", "--engines", "kernels,ort-webgpu"],
      /ort-webgpu is not offered with --config gpt2-small/,
    ],
    [["--seqs", "62"], /unknown option --seqs/],
  ])("%j is refused", (argv, message) => {
    expect(() => plan(...argv)).toThrow(message);
  });
});

describe("the gpt2-small random model", () => {
  const cfg = benchConfig("gpt2-small");

  it("has GPT-2 small's config, as fromPretrained holds it (LayerNorm folded, gelu_new, standard positions)", () => {
    expect(cfg).toMatchObject({
      d_model: 768,
      n_layers: 12,
      n_heads: 12,
      d_head: 64,
      d_mlp: 3072,
      n_ctx: 1024,
      d_vocab: 50257,
      d_vocab_out: 50257,
      act_fn: "gelu_new",
      normalization_type: "LNPre",
      positional_embedding_type: "standard",
      attn_only: false,
      eps: 1e-5,
    });
    // 124M parameters as GPT-2 small has (without LayerNorm weights, folded), plus an untied W_U of V·D.
    const D = 768,
      L = 12,
      M = 3072,
      V = 50257;
    const perLayer = 4 * D * D + 4 * D + 2 * D * M + M + D; // W_Q/K/V/O and their biases, W_in, b_in, W_out, b_out
    const params = V * D + 1024 * D + L * perLayer + D * V + V;
    expect(weightsMb("gpt2-small")).toBe(Math.round((4 * params) / 1e6));
    expect(weightsMb("attn-only-2l-half")).toBe(334);
  });

  it("counts a forward's work as 2 · matmul parameters · T, plus attention's causal pairs and the unembedding", () => {
    const T = 100;
    const matmulParams = 12 * (4 * 768 * 768 + 2 * 768 * 3072);
    const attention = 12 * 2 * 2 * 768 * ((T * (T + 1)) / 2); // q·kᵀ and pattern·v over every head
    expect(forwardFlops("full", T, "gpt2-small")).toBe(2 * matmulParams * T + attention + 2 * 768 * 50257 * T);
    // Patterns: every layer's q, k and scores, and the first 11 layers' values, output projections and MLPs.
    const last = 2 * 768 * 768 * T * 2 + 2 * 2 * 768 * 3072 * T + 2 * 768 * ((T * (T + 1)) / 2);
    expect(forwardFlops("patterns", T, "gpt2-small")).toBe(2 * matmulParams * T + attention - last);
  });

  it("its state dict has the schema's keys and shapes, and W_U is W_E transposed (tied, then untied as loaded)", () => {
    const sd = randomStateDict(1, "gpt2-small");
    expect(sd.has("blocks.11.mlp.W_out")).toBe(true);
    expect(sd.has("blocks.0.ln1.w")).toBe(false);
    expect(sd.get("blocks.3.mlp.W_in")!.shape).toEqual([768, 3072]);
    const WE = sd.get("embed.W_E")!.data as Float32Array;
    const WU = sd.get("unembed.W_U")!;
    expect(WU.shape).toEqual([768, 50257]);
    for (const [v, d] of [
      [0, 0],
      [50256, 767],
      [1234, 5],
    ])
      expect((WU.data as Float32Array)[d * 50257 + v]).toBe(WE[v * 768 + d]);
  });
});
