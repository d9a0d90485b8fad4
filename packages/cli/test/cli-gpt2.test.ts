// The CLI on a Hugging Face GPT-2 checkpoint (../shared/fixtures/tl-gpt2-tiny/hf): converted and processed as
// TransformerLens's from_pretrained does, with TransformerLens's tokens and detector lists.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { readSafetensors } from "@attnscope/core";
import { runCli, sharedDir } from "./helpers.js";

const gpt2Dir = path.join(sharedDir, "fixtures", "tl-gpt2-tiny");
const tokenizer = path.join(sharedDir, "tokenizers", "gpt2.json");
const run = existsSync(path.join(gpt2Dir, "goldens.json")) && existsSync(tokenizer);

interface Input {
  name: string;
  text?: string;
  tokens: number[];
  heads: Record<
    "unprocessed" | "processed",
    { current_token: string[]; previous_token: string[]; first_token: string[] }
  >;
}

(run ? describe : describe.skip)("attnscope on a Hugging Face GPT-2 folder", () => {
  const inputs = JSON.parse(readFileSync(path.join(gpt2Dir, "goldens.json"), "utf8")).inputs as Input[];
  const model = ["--model", path.join(gpt2Dir, "hf"), "--tokenizer", tokenizer];

  it.each(["default", "none"])(
    "detect --processing %s: TransformerLens's tokens (BOS 50256) and detector lists",
    async (p) => {
      const golden = inputs.find((i) => i.name === "seed_text")!;
      const r = await runCli(["detect", ...model, "--processing", p, "--text", golden.text!, "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.tokens).toEqual(golden.tokens);
      const heads = golden.heads[p === "default" ? "processed" : "unprocessed"];
      expect(out.detectors).toEqual({
        current: heads.current_token,
        previous: heads.previous_token,
        first: heads.first_token,
      });
    },
  );

  const goldens = (variant: string) => {
    const gb = readFileSync(path.join(gpt2Dir, `seed_text.${variant}.safetensors`));
    return readSafetensors(new Uint8Array(gb.buffer, gb.byteOffset, gb.byteLength), "golden").tensors;
  };
  /** Largest error relative to max(1, |golden|), element by element. */
  const worstError = (a: Float32Array, e: Float32Array) => {
    expect(a.length).toBe(e.length);
    let worst = 0;
    for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(1, Math.abs(e[i])));
    return worst;
  };

  it.each([
    ["default", "processed"],
    ["none", "unprocessed"],
  ])(
    "export-onnx --processing %s: onnxruntime-node runs the file; its LayerNorm, MLP and loss outputs match TransformerLens",
    async (p, variant) => {
      const golden = inputs.find((i) => i.name === "seed_text")!;
      const out = path.join(mkdtempSync(path.join(os.tmpdir(), "attnscope-gpt2-")), "gpt2.onnx");
      const outputs = "blocks.*.mlp.hook_post,blocks.0.ln1.hook_scale,ln_final.hook_normalized";
      const r = await runCli([
        "export-onnx",
        ...model,
        "--processing",
        p,
        "--out",
        out,
        "--outputs",
        outputs,
        "--loss",
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /outputs blocks\.0\.ln1\.hook_scale, blocks\.0\.mlp\.hook_post, blocks\.1\.mlp\.hook_post, ln_final\.hook_normalized, loss\n$/,
      );
      const session = await ort.InferenceSession.create(out);
      try {
        const T = golden.tokens.length;
        const res = await session.run({
          tokens: new ort.Tensor("int64", BigInt64Array.from(golden.tokens, BigInt), [1, T]),
        });
        const g = goldens(variant);
        for (const key of [
          "blocks.0.ln1.hook_scale",
          "blocks.0.mlp.hook_post",
          "blocks.1.mlp.hook_post",
          "ln_final.hook_normalized",
          "loss",
        ]) {
          if (key !== "loss") expect(res[key].dims).toEqual([1, ...g.get(key)!.shape]);
          expect(worstError(res[key].data as Float32Array, g.get(key)!.data as Float32Array), key).toBeLessThan(1e-4);
        }
      } finally {
        await session.release();
      }
    },
  );

  it("detect --backend ort: TransformerLens's detector lists from onnxruntime-node", async () => {
    const golden = inputs.find((i) => i.name === "seed_text")!;
    const r = await runCli(["detect", ...model, "--backend", "ort", "--text", golden.text!, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const heads = golden.heads.processed;
    expect(JSON.parse(r.stdout).detectors).toEqual({
      current: heads.current_token,
      previous: heads.previous_token,
      first: heads.first_token,
    });
  });

  it("cache writes the LayerNorm and MLP hook points with TransformerLens's values (processed)", async () => {
    const golden = inputs.find((i) => i.name === "seed_text")!;
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "attnscope-gpt2-")), "c.safetensors");
    const names = "blocks.1.mlp.hook_post,ln_final.hook_scale";
    const r = await runCli([
      "cache",
      ...model,
      "--tokens",
      golden.tokens.join(","),
      "--names",
      names,
      "--no-logits",
      "--out",
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const b = readFileSync(out);
    const written = readSafetensors(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), out).tensors;
    const gb = readFileSync(path.join(gpt2Dir, "seed_text.processed.safetensors"));
    const g = readSafetensors(new Uint8Array(gb.buffer, gb.byteOffset, gb.byteLength), "golden").tensors;
    for (const key of names.split(",")) {
      const a = written.get(key)!.data as Float32Array;
      const e = g.get(key)!.data as Float32Array;
      expect(written.get(key)!.shape).toEqual(g.get(key)!.shape);
      let worst = 0;
      for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(1, Math.abs(e[i])));
      expect(worst, key).toBeLessThan(1e-4);
    }
  });
});
