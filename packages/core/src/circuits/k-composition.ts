/**
 * ARENA's full K-composition circuit of a previous-token head p (layer l₁) into an induction head i
 * (layer l₂ > l₁), on the token set S:
 *
 *   K_comp = (W_E[S] W_Q[l₂, i]) · (W_E[S] W_V[l₁, p] W_O[l₁, p] W_K[l₂, i])ᵀ   [S (query), S (key)]
 *
 * Entry (q, k) is the attention score (unscaled, no positions) from query token q to a key position whose
 * previous token is k. ARENA scores it as `top_1_acc(K_comp.T)`: the fraction of key tokens k whose row of
 * K_compᵀ peaks at k. Dimension legend: S token set, D d_model, Dh d_head.
 */
import { FactoredMatrix } from "../linalg/factored-matrix.js";
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { Tensor } from "../tensor.js";
import { formatHead, parseHead, type HeadRef } from "./heads.js";
import {
  accuracies,
  columnsOf,
  packHeads,
  prepareColumns,
  ranksAgainst,
  topKAccuracy,
  type CircuitOptions,
  type CircuitProgress,
} from "./ov-circuit.js";
import { embedRows, resolveVocab } from "./vocab.js";

/** K_comp as a FactoredMatrix [S, S] (query token × key's previous token), mdim d_head. */
export function kCompositionFullCircuit(
  model: HookedTransformer,
  prevHead: HeadRef,
  inductionHead: HeadRef,
  opts: CircuitOptions = {},
): FactoredMatrix {
  const p = parseHead(prevHead, model.cfg, "previous-token head");
  const i = parseHead(inductionHead, model.cfg, "induction head");
  if (p.layer >= i.layer) {
    throw new RangeError(
      `K-composition runs from an earlier layer to a later one: ${formatHead(p)} is not before ${formatHead(i)}`,
    );
  }
  const v = resolveVocab(model.cfg, opts.vocab);
  const be = opts.backend ?? model.backend;
  const { d_model: D, d_head: Dh } = model.cfg;
  const E = embedRows(model.W_E, v);
  const W_K = model.W_K.index(i.layer, i.head).data; // [D, Dh]
  const q = be.matmul(E, model.W_Q.index(i.layer, i.head).data, v.n, D, Dh); // [S, Dh]
  const ev = be.matmul(E, model.W_V.index(p.layer, p.head).data, v.n, D, Dh); // [S, Dh]
  const ok = be.matmul(model.W_O.index(p.layer, p.head).data, W_K, Dh, D, Dh); // W_O W_K [Dh, Dh]
  const k = be.matmul(ev, ok, v.n, Dh, Dh); // [S, Dh]
  return new FactoredMatrix(new Tensor(q, [v.n, Dh]), new Tensor(k, [v.n, Dh]).transpose());
}

/** ARENA `top_1_acc(K_comp.T)` on S: the fraction of key tokens whose row of K_compᵀ has its maximum on the diagonal. */
export function kCompositionTop1(
  model: HookedTransformer,
  prevHead: HeadRef,
  inductionHead: HeadRef,
  opts: CircuitOptions & { onProgress?: CircuitProgress } = {},
): number {
  const fm = kCompositionFullCircuit(model, prevHead, inductionHead, opts);
  return topKAccuracy(fm.T, 1, { backend: opts.backend ?? model.backend, onProgress: opts.onProgress });
}

/**
 * `kCompositionTop1` for every (head p of layer `fromLayer`, head i of layer `toLayer`) pair, [H][H], with one
 * W_E[S] product per layer for all heads and each induction head's query columns prepared once for all p.
 * `onProgress` counts rows over all pairs.
 */
export function kCompositionTop1Table(
  model: HookedTransformer,
  opts: CircuitOptions & { fromLayer?: number; toLayer?: number; onProgress?: CircuitProgress } = {},
): number[][] {
  const { n_heads: H, d_model: D, d_head: Dh, n_layers: L } = model.cfg;
  const l1 = opts.fromLayer ?? 0;
  const l2 = opts.toLayer ?? 1;
  if (L < 2) throw new RangeError(`K-composition needs at least two layers; this model has ${L}`);
  if (!(Number.isInteger(l1) && Number.isInteger(l2) && 0 <= l1 && l1 < l2 && l2 < L)) {
    throw new RangeError(
      `K-composition runs from an earlier layer to a later one: layers ${l1} → ${l2} (this model has 0..${L - 1})`,
    );
  }
  const v = resolveVocab(model.cfg, opts.vocab);
  const be = opts.backend ?? model.backend;
  const E = embedRows(model.W_E, v);
  const HD = H * Dh;
  const eq = be.matmul(E, packHeads(model.W_Q.index(l2)), v.n, D, HD); // [S, H·Dh]: every induction head's queries
  const ev = be.matmul(E, packHeads(model.W_V.index(l1)), v.n, D, HD); // [S, H·Dh]: every earlier head's values
  const wk = packHeads(model.W_K.index(l2)); // [D, H·Dh]
  const W_O = model.W_O;
  // K_compᵀ = k · qᵀ: its columns are the query tokens, the same for every earlier head.
  const queries = Array.from({ length: H }, (_, i) => prepareColumns(columnsOf(eq, v.n, HD, i * Dh, Dh), v.n, Dh));
  const out: number[][] = [];
  for (let p = 0; p < H; p++) {
    const ok = be.matmul(W_O.index(l1, p).data, wk, Dh, D, HD); // W_O[p] W_K[i] for every i: [Dh, H·Dh]
    const kp = be.matmul(columnsOf(ev, v.n, HD, p * Dh, Dh), ok, v.n, Dh, HD); // [S, H·Dh]
    const row: number[] = [];
    for (let i = 0; i < H; i++) {
      const done = (p * H + i) * v.n;
      const ranks = ranksAgainst(columnsOf(kp, v.n, HD, i * Dh, Dh), queries[i], {
        backend: be,
        maxK: 1,
        onProgress: opts.onProgress && ((d) => opts.onProgress!(done + d, H * H * v.n)),
      });
      row.push(accuracies(ranks, [1])[0]);
    }
    out.push(row);
  }
  return out;
}
