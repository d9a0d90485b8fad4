// attnscope export-onnx on a model folder: onnxruntime-node loads the file, and its hook-named outputs match
// the TransformerLens goldens of ../shared/fixtures/tl-attn2l-tiny.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { readSafetensors } from "@attnscope/core";
import { describeWithFixtures, goldenInput, runCli, tinyDir } from "./helpers.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-export-onnx-"));

/** TransformerLens's float32 tolerance: 1e-4 × max(1, max |golden|). */
function tol(golden: Float32Array): number {
  let m = 1;
  for (const x of golden) if (Number.isFinite(x)) m = Math.max(m, Math.abs(x));
  return 1e-4 * m;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describeWithFixtures("attnscope export-onnx", () => {
  const golden = goldenInput("repeated_random");
  const buf = readFileSync(path.join(tinyDir, golden.golden_file));
  const tensors = readSafetensors(
    new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
    golden.golden_file,
  ).tensors;
  const T = golden.tokens.length;
  const tokens = () => new ort.Tensor("int64", BigInt64Array.from(golden.tokens, BigInt), [1, T]);

  it("writes a graph onnxruntime-node runs, with hook-named outputs, logits and loss matching TransformerLens", async () => {
    const out = path.join(dir, "tiny.onnx");
    const r = await runCli([
      "export-onnx",
      "--model",
      tinyDir,
      "--out",
      out,
      "--outputs",
      "blocks.*.attn.hook_pattern, blocks.0.attn.hook_z",
      "--logits",
      "--loss",
    ]);
    expect(r.stderr).toMatch(
      /^wrote .*tiny\.onnx \(\d+\.\d MB, float32 weights, [\d.]+ s\): inputs tokens; outputs blocks\.0\.attn\.hook_pattern, blocks\.0\.attn\.hook_z, blocks\.1\.attn\.hook_pattern, logits, loss\n$/,
    );
    expect(r.code).toBe(0);
    const session = await ort.InferenceSession.create(out);
    try {
      const res = await session.run({ tokens: tokens() });
      for (const key of ["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern", "blocks.0.attn.hook_z"]) {
        expect(res[key].dims).toEqual([1, ...tensors.get(key)!.shape]);
        const g = tensors.get(key)!.data as Float32Array;
        expect(maxDiff(res[key].data as Float32Array, g), key).toBeLessThanOrEqual(tol(g));
      }
      const V = 50278;
      const last = (res.logits.data as Float32Array).subarray((T - 1) * V, T * V);
      const rows = tensors.get("logits_rows")!.data as Float32Array;
      const lastGolden = rows.subarray(2 * V, 3 * V);
      expect(maxDiff(last, lastGolden)).toBeLessThanOrEqual(tol(lastGolden));
      const loss = tensors.get("loss")!.data as Float32Array;
      expect(maxDiff(res.loss.data as Float32Array, loss)).toBeLessThanOrEqual(tol(loss));
    } finally {
      await session.release();
    }
  });

  it("--fp16 --head-mask: half the file, a head_mask input, patterns within fp16 rounding", async () => {
    const fp32 = path.join(dir, "fp32.onnx");
    const fp16 = path.join(dir, "fp16.onnx");
    expect((await runCli(["export-onnx", "--model", tinyDir, "--out", fp32, "--head-mask"])).code).toBe(0);
    const r = await runCli(["export-onnx", "--model", tinyDir, "--out", fp16, "--head-mask", "--fp16"]);
    expect(r.stderr).toMatch(
      /float16 weights.*inputs tokens, head_mask; outputs blocks\.0\.attn\.hook_pattern, blocks\.1\.attn\.hook_pattern/,
    );
    expect(statSync(fp16).size / statSync(fp32).size).toBeCloseTo(0.5, 1);
    const session = await ort.InferenceSession.create(fp16);
    try {
      expect([...session.inputNames]).toEqual(["tokens", "head_mask"]);
      const res = await session.run({
        tokens: tokens(),
        head_mask: new ort.Tensor("float32", new Float32Array(8).fill(1), [2, 4]),
      });
      const key = "blocks.1.attn.hook_pattern";
      expect(maxDiff(res[key].data as Float32Array, tensors.get(key)!.data as Float32Array)).toBeLessThan(2e-3);
    } finally {
      await session.release();
    }
  });

  it("refuses a missing --out, an unknown hook and an empty export, by name", async () => {
    const noOut = await runCli(["export-onnx", "--model", tinyDir]);
    expect(noOut.stderr).toBe("attnscope: error: export-onnx needs --out FILE.onnx\n");
    expect(noOut.code).toBe(1);
    const unknown = await runCli([
      "export-onnx",
      "--model",
      tinyDir,
      "--out",
      path.join(dir, "x.onnx"),
      "--outputs",
      "blocks.0.mlp.hook_post",
    ]);
    expect(unknown.stderr).toMatch(
      /^attnscope: error: --outputs: output "blocks\.0\.mlp\.hook_post" matches no hook point of this model; its hook points are hook_embed, /,
    );
    expect(unknown.code).toBe(1);
    const empty = await runCli(["export-onnx", "--model", tinyDir, "--out", path.join(dir, "x.onnx"), "--outputs", ""]);
    expect(empty.stderr).toMatch(/--outputs '' leaves nothing to export: add --logits or --loss/);
    const badDir = await runCli(["export-onnx", "--model", tinyDir, "--out", path.join(dir, "no", "such", "x.onnx")]);
    expect(badDir.stderr).toMatch(/cannot write .*x\.onnx: its folder does not exist/);
  });
});
