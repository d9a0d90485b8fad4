/**
 * The model's weights under TransformerLens's names and layouts, stacked over layers as `model.W_Q` etc. are
 * in TransformerLens.
 *
 * Dimension legend: L n_layers, H n_heads, D d_model, Dh d_head, M d_mlp, V d_vocab, N n_ctx.
 *
 * W_E [V, D], W_pos [N, D], W_U [D, V], b_U [V] are views of the arrays the model runs on (no copy: these are
 * the big ones, 150 MB each in the real model), except when the backend holds the weights (`weightsInBackend`):
 * then W_U, b_U and every per-layer weight are read back from it into new arrays. The per-layer weights are stacked into new [L, …] tensors on
 * each access, as TransformerLens's `torch.stack` does (a few MB); W_Q/W_K/W_V are unpacked from the
 * [D, H·Dh] layout the forward pass keeps. Writing into a stacked tensor does not change the model.
 */
import type { HookedTransformerConfig } from "../config.js";
import { Tensor } from "../tensor.js";
import type { ModelWeights } from "./model-weights.js";
import { paramArray, paramSchema, toStored, unpackHeadsIn } from "../architecture/params.js";
import type { StateDict } from "../weights/state-dict.js";

export type WeightName =
  | "W_E"
  | "W_pos"
  | "W_U"
  | "b_U"
  | "W_Q"
  | "W_K"
  | "W_V"
  | "W_O"
  | "b_Q"
  | "b_K"
  | "b_V"
  | "b_O"
  | "W_in"
  | "b_in"
  | "W_out"
  | "b_out";

/** A weight array as the model holds it → its values (a read from the backend for a held weight). */
export type WeightReader = (a: Float32Array) => Float32Array;

function stack(arrays: Float32Array[], shape: number[]): Tensor {
  const n = arrays[0]?.length ?? 0;
  const out = new Float32Array(arrays.length * n);
  arrays.forEach((a, i) => out.set(a, i * n));
  return new Tensor(out, [arrays.length, ...shape]);
}

/** One weight of the model under its TransformerLens name (see the module comment for views vs. copies). */
export function weightView(
  cfg: HookedTransformerConfig,
  w: ModelWeights,
  name: WeightName,
  read: WeightReader = (a) => a,
): Tensor {
  const { d_model: D, n_heads: H, d_head: Dh, n_layers: L, d_vocab: V, d_vocab_out: Vout, n_ctx: N } = cfg;
  switch (name) {
    case "W_E":
      return new Tensor(w.W_E, [V, D]);
    case "W_pos":
      return new Tensor(w.W_pos, [N, D]);
    case "W_U":
      return new Tensor(read(w.W_U), [D, Vout]);
    case "b_U":
      return new Tensor(read(w.b_U), [Vout]);
    case "W_Q":
    case "W_K":
    case "W_V": {
      const out = new Float32Array(L * H * D * Dh);
      w.layers.forEach((lw, l) => unpackHeadsIn(read(lw[name]), H, D, Dh, out, l * H * D * Dh));
      return new Tensor(out, [L, H, D, Dh]);
    }
    case "W_O":
      return stack(
        w.layers.map((lw) => read(lw.W_O)),
        [H, Dh, D],
      );
    case "b_Q":
    case "b_K":
    case "b_V":
      return stack(
        w.layers.map((lw) => read(lw[name])),
        [H, Dh],
      );
    case "b_O":
      return stack(
        w.layers.map((lw) => read(lw.b_O)),
        [D],
      );
    case "W_in":
    case "b_in":
    case "W_out":
    case "b_out": {
      if (cfg.attn_only) throw new Error(`${name}: this model is attention-only (it has no MLP weights)`);
      const M = cfg.d_mlp!;
      const shape = { W_in: [D, M], b_in: [M], W_out: [M, D], b_out: [D] }[name];
      return stack(
        w.layers.map((lw) => read(lw.mlp![name])),
        shape,
      );
    }
    default:
      throw new Error(`Unknown weight "${String(name)}"`);
  }
}

/**
 * The weights as TransformerLens's `state_dict()`: every parameter under its key, in TransformerLens's layouts
 * and order, with each layer's IGNORE buffer (the causal `mask` buffer is left out: the model rebuilds it).
 * As in PyTorch, plain-layout tensors share the arrays the model runs on (W_E, W_U, … are not copied: write
 * nothing into them); W_Q, W_K and W_V are unpacked copies. `read` gives a weight's values from the array in
 * its place (a backend's stand-in for the weights it holds is read back from the backend).
 */
export function weightsStateDict(
  cfg: HookedTransformerConfig,
  w: ModelWeights,
  read: (a: Float32Array) => Float32Array = (a) => a,
): StateDict {
  const sd: StateDict = new Map();
  for (const s of paramSchema(cfg)) {
    if (s.name === "mask") continue;
    const data =
      s.name === "IGNORE"
        ? Float32Array.of(w.layers[s.layer!].IGNORE)
        : s.layout === "plain"
          ? read(paramArray(w, s))
          : toStored(cfg, s, read(paramArray(w, s)));
    sd.set(s.key, { dtype: "float32", shape: s.shape, data });
  }
  return sd;
}

/** Every head as `"layer.head"` in layer-then-head order (the label the detectors use). */
export function headLabels(cfg: HookedTransformerConfig): string[] {
  const out: string[] = [];
  for (let l = 0; l < cfg.n_layers; l++) for (let h = 0; h < cfg.n_heads; h++) out.push(`${l}.${h}`);
  return out;
}
