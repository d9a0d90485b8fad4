/**
 * Runs in a browser page (bundled by the ONNX browser test): fetch the tiny TransformerLens model from the test
 * server, export it with exportOnnx, run every input on onnxruntime-web, and hand back what the goldens
 * check: each layer's pattern, the per-token loss and the logits rows the goldens hold.
 */
import { exportOnnx, HookedTransformer, readSafetensors } from "../../src/index.js";

interface OrtWeb {
  InferenceSession: {
    create(
      b: Uint8Array,
      o: Record<string, unknown>,
    ): Promise<{
      run(f: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: string, data: unknown, dims: number[]) => unknown;
}

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
  ort: OrtWeb,
  base: string,
  executionProviders: string[],
  inputs: ProbeInput[],
): Promise<ProbeOutput[]> {
  const [config, weights] = await Promise.all([
    fetch(`${base}/config.json`).then((r) => r.json()),
    fetch(`${base}/model.safetensors`).then((r) => r.arrayBuffer()),
  ]);
  const sd = readSafetensors(new Uint8Array(weights), "model.safetensors").tensors;
  const model = new HookedTransformer(config, sd);
  const { bytes } = await exportOnnx(model, { logits: true, loss: true });
  const session = await ort.InferenceSession.create(bytes, { executionProviders });
  const V = model.cfg.d_vocab_out;
  const results: ProbeOutput[] = [];
  try {
    for (const input of inputs) {
      const T = input.tokens.length;
      const tokens = new ort.Tensor("int64", BigInt64Array.from(input.tokens, BigInt), [1, T]);
      const out = await session.run({ tokens });
      const logits = out.logits.data as Float32Array;
      results.push({
        name: input.name,
        patterns: [0, 1].map((l) => Array.from(out[`blocks.${l}.attn.hook_pattern`].data as Float32Array)),
        loss: Array.from(out.loss.data as Float32Array),
        logitsRows: input.rows.map((p) => Array.from(logits.subarray(p * V, (p + 1) * V))),
      });
    }
  } finally {
    await session.release();
  }
  return results;
}
