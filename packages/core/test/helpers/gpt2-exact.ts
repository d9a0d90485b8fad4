/**
 * An independent float64 forward pass of tl-gpt2-tiny's processed weights (LayerNormPre, GELU-new MLPs), written
 * from TransformerLens's definitions (no code shared with the model): every hook point it computes, by name.
 */
import { gpt2Json, gpt2Tensors } from "./gpt2-fixture.js";

/** Every hook of the processed model, in float64: x [T, D] in, name → values out. */
export function exactForward(tokens: number[]): Map<string, Float64Array> {
  const sd = gpt2Tensors("processed/model.safetensors");
  const w = (k: string) => Float64Array.from(sd.get(k)!.data as Float32Array);
  const cfg = gpt2Json("processed/config.json") as Record<string, number>;
  const { d_model: D, n_heads: H, d_head: Dh, d_mlp: M, n_layers: L } = cfg;
  const T = tokens.length;
  const out = new Map<string, Float64Array>();
  const WE = w("embed.W_E"),
    WP = w("pos_embed.W_pos");
  let x = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) x[t * D + d] = WE[tokens[t] * D + d] + WP[t * D + d];
  const layerNormPre = (x: Float64Array, name: string) => {
    const o = new Float64Array(x.length);
    const scale = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const row = x.subarray(t * D, (t + 1) * D);
      const mean = row.reduce((a, v) => a + v, 0) / D;
      scale[t] = Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / D + cfg.eps);
      for (let d = 0; d < D; d++) o[t * D + d] = (row[d] - mean) / scale[t];
    }
    out.set(`${name}.hook_scale`, scale);
    out.set(`${name}.hook_normalized`, o);
    return o;
  };
  /** [T, n] = a [T, k] · W [k, n] + b */
  const affine = (a: Float64Array, W: Float64Array, b: Float64Array, k: number, n: number) => {
    const o = new Float64Array(T * n);
    for (let t = 0; t < T; t++)
      for (let j = 0; j < n; j++) {
        let s = b[j];
        for (let i = 0; i < k; i++) s += a[t * k + i] * W[i * n + j];
        o[t * n + j] = s;
      }
    return o;
  };
  /** W [H, D, Dh] as [D, H·Dh], the same product for every head. */
  const headsIn = (W: Float64Array) => {
    const o = new Float64Array(W.length);
    for (let h = 0; h < H; h++)
      for (let d = 0; d < D; d++) for (let e = 0; e < Dh; e++) o[d * H * Dh + h * Dh + e] = W[(h * D + d) * Dh + e];
    return o;
  };
  for (let l = 0; l < L; l++) {
    const p = `blocks.${l}.`;
    out.set(`${p}hook_resid_pre`, x);
    const n = layerNormPre(x, `${p}ln1`);
    const [q, k, v] = ["Q", "K", "V"].map((s) =>
      affine(n, headsIn(w(`${p}attn.W_${s}`)), w(`${p}attn.b_${s}`), D, H * Dh),
    );
    const z = new Float64Array(T * H * Dh);
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const scores: number[] = [];
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let e = 0; e < Dh; e++) s += q[(i * H + h) * Dh + e] * k[(j * H + h) * Dh + e];
          scores.push(s / Math.sqrt(Dh));
        }
        const mx = Math.max(...scores);
        const ex = scores.map((s) => Math.exp(s - mx));
        const sum = ex.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++)
          for (let e = 0; e < Dh; e++) z[(i * H + h) * Dh + e] += (ex[j] / sum) * v[(j * H + h) * Dh + e];
      }
    out.set(`${p}attn.hook_z`, z);
    const attnOut = affine(z, w(`${p}attn.W_O`), w(`${p}attn.b_O`), H * Dh, D);
    out.set(`${p}hook_attn_out`, attnOut);
    const mid = x.map((val, i) => val + attnOut[i]);
    out.set(`${p}hook_resid_mid`, mid);
    const pre = affine(layerNormPre(mid, `${p}ln2`), w(`${p}mlp.W_in`), w(`${p}mlp.b_in`), D, M);
    out.set(`${p}mlp.hook_pre`, pre);
    const post = pre.map((s) => 0.5 * s * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (s + 0.044715 * s ** 3))));
    out.set(`${p}mlp.hook_post`, post);
    const mlpOut = affine(post, w(`${p}mlp.W_out`), w(`${p}mlp.b_out`), M, D);
    out.set(`${p}hook_mlp_out`, mlpOut);
    x = mid.map((val, i) => val + mlpOut[i]);
    out.set(`${p}hook_resid_post`, x);
  }
  layerNormPre(x, "ln_final");
  return out;
}
