/**
 * Runs in a browser page (bundled by the ONNX browser test): fetch the tiny TransformerLens model from the test
 * server and load it with `backend: "ort"` (the ort engine picks onnxruntime-web's WebGPU or wasm backend
 * itself), run every input, and hand back what the goldens check: each layer's pattern, the per-token loss and
 * the logits rows the goldens hold, with the engine's status.
 */
import { HookedTransformer } from "../../src/index.js";

export interface ProbeInput {
  name: string;
  tokens: number[];
  /** Positions whose full logits row to return. */
  rows: number[];
}

export interface ProbeOutput {
  name: string;
  patterns: number[][];
  loss: number[];
  logitsRows: number[][];
}

export async function runOnnxBrowserProbe(
  base: string,
  inputs: ProbeInput[],
): Promise<{ status: { backend: string; warning: string | null }; results: ProbeOutput[] }> {
  const model = await HookedTransformer.fromPretrained(
    { config: `${base}/model/config.json`, weights: `${base}/model/model.safetensors` },
    { backend: "ort", ort: { wasmPaths: `${base}/ort/`, threads: 1 } },
  );
  const V = model.cfg.d_vocab_out;
  const results: ProbeOutput[] = [];
  for (const input of inputs) {
    const { cache, logits, loss } = await model.runWithCache(input.tokens, {
      returnType: "both",
      lossPerToken: true,
      namesFilter: (n) => n.endsWith(".attn.hook_pattern"),
    });
    results.push({
      name: input.name,
      patterns: [0, 1].map((l) => Array.from(cache.get("pattern", l).data)),
      loss: Array.from(loss!.data),
      logitsRows: input.rows.map((p) => Array.from(logits!.data.subarray(p * V, (p + 1) * V))),
    });
  }
  return { status: model.status, results };
}
