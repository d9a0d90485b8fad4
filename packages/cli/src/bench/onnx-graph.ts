/** The benchmark model as an ONNX graph, for onnxruntime-web and onnxruntime-node to run the same work. */
import type { StateDict } from "@attnscope/core";
import { BENCH_CONFIG } from "./random-model.js";
import { encodeModel, FLOAT, INT64, type OnnxGraph, type OnnxNode, type OnnxTensor } from "./onnx-encoder.js";

export type OnnxMode = "patterns" | "full" | "loss";

/** The dimensions the graph is built for: the benchmark's model, or a small one in tests. */
export interface OnnxModelConfig {
  d_model: number;
  n_heads: number;
  d_head: number;
  n_layers: number;
  d_vocab: number;
  n_ctx: number;
}

/**
 * Inputs: ids, pos (int64 [T]), mask (float [T, T], 0 on and below the diagonal, -1e9 above: the causal mask
 * as an additive constant), and for "loss" targets (int64 [T, 1]). Outputs: the two layers' patterns
 * ("patterns"), logits [T, d_vocab] ("full") or the per-token loss [T, 1] ("loss").
 */
export function buildOnnxModel(sd: StateDict, mode: OnnxMode, cfg: OnnxModelConfig = BENCH_CONFIG): Uint8Array {
  const { d_model: D, n_heads: H, d_head: Dh, n_layers: L, d_vocab: V, n_ctx } = cfg;
  const HD = H * Dh;
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const get = (k: string) => sd.get(k)!.data as Float32Array;
  const init = (name: string, dims: number[], data: Float32Array | BigInt64Array) => {
    inits.push({ name, dims, data });
    return name;
  };
  const node = (op: string, inputs: string[], out: string, attrs?: OnnxNode["attrs"]) => {
    nodes.push({ op, inputs, outputs: [out], attrs });
    return out;
  };
  const packHeads = (w: Float32Array) => {
    // [H, D, Dh] → [D, H·Dh]
    const out = new Float32Array(D * HD);
    for (let h = 0; h < H; h++)
      for (let d = 0; d < D; d++) for (let e = 0; e < Dh; e++) out[d * HD + h * Dh + e] = w[(h * D + d) * Dh + e];
    return out;
  };

  init("W_E", [V, D], get("embed.W_E"));
  init("W_pos", [n_ctx, D], get("pos_embed.W_pos"));
  init("shape_heads", [3], BigInt64Array.from([-1n, BigInt(H), BigInt(Dh)]));
  init("shape_flat", [2], BigInt64Array.from([-1n, BigInt(HD)]));
  init("inv_scale", [], Float32Array.of(1 / Math.sqrt(Dh)));
  let resid = node("Gather", ["W_E", "ids"], "embed");
  const pos = node("Gather", ["W_pos", "pos"], "pos_embed");
  const outputs: OnnxGraph["outputs"] = [];
  for (let l = 0; l < L; l++) {
    const p = `blocks.${l}.attn.`;
    const qkIn = node("Add", [resid, pos], `qk_in${l}`);
    const proj = (w: string, x: string) => {
      init(`${p}${w}`, [D, HD], packHeads(get(`${p}${w}`)));
      init(`${p}b_${w[2]}`, [HD], get(`${p}b_${w[2]}`));
      const y = node("Add", [node("MatMul", [x, `${p}${w}`], `${p}${w}_mm`), `${p}b_${w[2]}`], `${p}${w}_out`);
      return node("Reshape", [y, "shape_heads"], `${p}${w}_heads`);
    };
    const q = node("Transpose", [proj("W_Q", qkIn)], `${p}q`, [{ name: "perm", ints: [1, 0, 2] }]);
    const kT = node("Transpose", [proj("W_K", qkIn)], `${p}kT`, [{ name: "perm", ints: [1, 2, 0] }]);
    const scores = node(
      "Add",
      [node("Mul", [node("MatMul", [q, kT], `${p}qk`), "inv_scale"], `${p}scaled`), "mask"],
      `${p}scores`,
    );
    const pattern = node("Softmax", [scores], `pattern${l}`, [{ name: "axis", i: -1 }]);
    if (mode === "patterns") {
      outputs.push({ name: pattern, elemType: FLOAT, shape: [H, "T", "T"] });
      if (l === L - 1) break; // the last layer's values and output feed nothing a patterns run returns
    }
    const v = node("Transpose", [proj("W_V", resid)], `${p}v`, [{ name: "perm", ints: [1, 0, 2] }]);
    const z = node(
      "Reshape",
      [
        node("Transpose", [node("MatMul", [pattern, v], `${p}zh`)], `${p}zt`, [{ name: "perm", ints: [1, 0, 2] }]),
        "shape_flat",
      ],
      `${p}z`,
    );
    init(`${p}W_O`, [HD, D], get(`${p}W_O`));
    init(`${p}b_O`, [D], get(`${p}b_O`));
    const attnOut = node("Add", [node("MatMul", [z, `${p}W_O`], `${p}o_mm`), `${p}b_O`], `${p}attn_out`);
    resid = node("Add", [resid, attnOut], `resid_post${l}`);
  }
  const inputs: OnnxGraph["inputs"] = [
    { name: "ids", elemType: INT64, shape: ["T"] },
    { name: "pos", elemType: INT64, shape: ["T"] },
    { name: "mask", elemType: FLOAT, shape: ["T", "T"] },
  ];
  if (mode !== "patterns") {
    init("W_U", [D, V], get("unembed.W_U"));
    init("b_U", [V], get("unembed.b_U"));
    const logits = node("Add", [node("MatMul", [resid, "W_U"], "unembed_mm"), "b_U"], "logits");
    if (mode === "full") outputs.push({ name: logits, elemType: FLOAT, shape: ["T", V] });
    else {
      inputs.push({ name: "targets", elemType: INT64, shape: ["T", 1] });
      const logp = node("LogSoftmax", [logits], "logp", [{ name: "axis", i: -1 }]);
      const picked = node("GatherElements", [logp, "targets"], "target_logp", [{ name: "axis", i: 1 }]);
      outputs.push({ name: node("Neg", [picked], "loss"), elemType: FLOAT, shape: ["T", 1] });
    }
  }
  return encodeModel({ name: `attnscope-bench-${mode}`, nodes, initializers: inits, inputs, outputs });
}
