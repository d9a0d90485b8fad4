/**
 * Composition scores between heads (TransformerLens `all_composition_scores`, ARENA's random baseline).
 *
 * Dimension legend: L layers, H heads, D d_model, Dh d_head.
 *
 * For an earlier head A and a later head B, with W_A = OV_A = W_V^A W_O^A [D, D] and W_B one of
 *   Q: QK_B = W_Q^B W_K^Bᵀ,   K: QK_Bᵀ = W_K^B W_Q^Bᵀ,   V: OV_B,
 * the score is ‖W_A W_B‖_F / (‖W_A‖_F ‖W_B‖_F), on the weights as loaded (TransformerLens reads them after its
 * weight processing, so a processed model's LayerNorm weights are folded in; LayerNorm itself does not enter).
 * Each matrix is a product X Y of [D, Dh] and [Dh, D] factors, and nothing D × D is formed: with the Gram
 * matrices factored, XᵀX = RᵀR and YYᵀ = SSᵀ (Cholesky, in float64), ‖XY‖_F = ‖RY‖_F = ‖XS‖_F and
 *   ‖X₁Y₁ · X₂Y₂‖_F = ‖(R₁Y₁)(X₂S₂)‖_F,
 * so every pair of layers (l₁ < l₂) is one [H·Dh, D] · [D, H·Dh] product on the backend, read in Dh × Dh blocks.
 */
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { SeededRandom } from "../util/random.js";
import { dot, gramCols, gramRows, matmul64 } from "../linalg/dense.js";
import { FactoredMatrix } from "../linalg/factored-matrix.js";
import { Tensor } from "../tensor.js";

export type CompositionMode = "Q" | "K" | "V";

/**
 * Upper-triangular R [n, n] with RᵀR = G for a symmetric positive semi-definite G [n, n], in float64. A pivot
 * that rounding leaves at or below zero (a rank-deficient factor) gets a zero row, which keeps RᵀR = G to rounding.
 */
export function psdCholesky(G: Float64Array, n: number): Float64Array {
  const R = new Float64Array(n * n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += Math.abs(G[i * n + i]);
  const tiny = 1e-14 * trace;
  for (let j = 0; j < n; j++) {
    let d = G[j * n + j];
    for (let k = 0; k < j; k++) d -= R[k * n + j] ** 2;
    if (!(d > tiny)) continue; // row j stays zero
    const r = Math.sqrt(d);
    R[j * n + j] = r;
    for (let i = j + 1; i < n; i++) {
      let s = G[j * n + i];
      for (let k = 0; k < j; k++) s -= R[k * n + j] * R[k * n + i];
      R[j * n + i] = s / r;
    }
  }
  return R;
}

/**
 * One layer's heads as whitened factors: for each head's circuit X Y ([D, Dh] · [Dh, D]), R·Y [Dh, D] stacked as
 * rows [H·Dh, D] (the circuit as the left of a product) or X·S [D, Dh] side by side [D, H·Dh] (as the right),
 * with ‖XY‖_F per head.
 */
function whitened(
  X: Tensor,
  Y: Tensor,
  side: "left" | "right",
  H: number,
  D: number,
  Dh: number,
): { packed: Float32Array; norms: Float64Array } {
  const packed = new Float32Array(H * Dh * D);
  const norms = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    const x = X.index(h).data; // [D, Dh]
    const y = Y.index(h).data; // [Dh, D]
    let sq = 0;
    if (side === "left") {
      const R = psdCholesky(gramCols(x, D, Dh), Dh); // XᵀX = RᵀR
      const ry = matmul64(R, y, Dh, Dh, D); // [Dh, D]
      for (let i = 0; i < Dh * D; i++) {
        packed[h * Dh * D + i] = ry[i];
        sq += ry[i] * ry[i];
      }
    } else {
      const S = transpose64(psdCholesky(gramRows(y, Dh, D), Dh), Dh); // YYᵀ = SSᵀ, S lower-triangular
      const xs = matmul64(x, S, D, Dh, Dh); // [D, Dh]
      for (let d = 0; d < D; d++)
        for (let e = 0; e < Dh; e++) {
          const v = xs[d * Dh + e];
          packed[d * H * Dh + h * Dh + e] = v;
          sq += v * v;
        }
    }
    norms[h] = Math.sqrt(sq);
  }
  return { packed, norms };
}

function transpose64(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a[i * n + j];
  return out;
}

/**
 * TransformerLens `model.all_composition_scores(mode)`: [L1, H1, L2, H2], the composition score of head
 * (L1, H1)'s OV circuit into head (L2, H2)'s query ("Q"), key ("K") or value ("V") input; zero unless L1 < L2.
 */
export function compositionScores(model: HookedTransformer, mode: CompositionMode): Tensor {
  if (mode !== "Q" && mode !== "K" && mode !== "V")
    throw new RangeError(`composition mode must be "Q", "K" or "V", got ${JSON.stringify(mode)}`);
  const { n_layers: L, n_heads: H, d_model: D, d_head: Dh } = model.cfg;
  if (L < 2) {
    throw new RangeError(
      `composition scores need at least two layers (heads compose only with heads of later layers); this model has ${L}`,
    );
  }
  const W_V = model.W_V,
    W_O = model.W_O;
  // The right-hand circuits X·Y: OV = W_V·W_O, QK = W_Q·W_Kᵀ, QKᵀ = W_K·W_Qᵀ.
  const [rx, ry] = mode === "V" ? [W_V, W_O] : mode === "Q" ? [model.W_Q, model.W_K] : [model.W_K, model.W_Q];
  const left = Array.from({ length: L - 1 }, (_, l) => whitened(W_V.index(l), W_O.index(l), "left", H, D, Dh));
  const right = Array.from({ length: L - 1 }, (_, i) => {
    const l = i + 1;
    const y = mode === "V" ? ry.index(l) : ry.index(l).transpose(); // [H, Dh, D]
    return whitened(rx.index(l), y, "right", H, D, Dh);
  });
  const HD = H * Dh;
  const out = new Float32Array(L * H * L * H);
  for (let l1 = 0; l1 < L - 1; l1++)
    for (let l2 = l1 + 1; l2 < L; l2++) {
      const a = left[l1],
        b = right[l2 - 1];
      const P = model.backend.matmul(a.packed, b.packed, HD, D, HD); // [H·Dh, H·Dh]: block (h1, h2) = (R₁Y₁)(X₂S₂)
      for (let h1 = 0; h1 < H; h1++)
        for (let h2 = 0; h2 < H; h2++) {
          let sq = 0;
          for (let i = 0; i < Dh; i++) for (let j = 0; j < Dh; j++) sq += P[(h1 * Dh + i) * HD + h2 * Dh + j] ** 2;
          out[((l1 * H + h1) * L + l2) * H + h2] = Math.sqrt(sq) / (a.norms[h1] * b.norms[h2]);
        }
    }
  return new Tensor(out, [L, H, L, H]);
}

/**
 * TransformerLens `utils.composition_scores` for two single matrices: ‖left · right‖_F / (‖left‖_F ‖right‖_F)
 * (ARENA's `get_comp_score`), without forming either product.
 */
export function compositionScore(left: FactoredMatrix, right: FactoredMatrix): number {
  if (left.leadingShape.length || right.leadingShape.length)
    throw new RangeError("compositionScore takes two single matrices (no leading axes)");
  const both = left.matmul(right) as FactoredMatrix;
  return both.norm().item() / (left.norm().item() * right.norm().item());
}

/**
 * ARENA's baseline for composition scores: the mean score of `samples` random pairs W_A = A₁A₂ᵀ, W_B = B₁B₂ᵀ,
 * each factor [d_model, d_head] drawn as torch's `kaiming_uniform_(a=√5)` (uniform on ±1/√d_head; the score
 * does not depend on the scale). About 0.036 for d_model 768, d_head 64.
 */
export function compositionBaseline(
  dims: HookedTransformer | { d_model: number; d_head: number },
  samples = 200,
  seed = 0,
): number {
  const { d_model: D, d_head: Dh } = "cfg" in dims ? dims.cfg : dims;
  if (!Number.isInteger(samples) || samples < 1)
    throw new RangeError(`samples must be a positive integer, got ${samples}`);
  const rng = new SeededRandom(seed);
  const bound = 1 / Math.sqrt(Dh);
  const draw = () => {
    const w = new Float64Array(D * Dh);
    for (let i = 0; i < w.length; i++) w[i] = (rng.next() * 2 - 1) * bound;
    return w;
  };
  let total = 0;
  for (let s = 0; s < samples; s++) {
    // W_A = A₁A₂ᵀ, W_B = B₁B₂ᵀ: ‖W_A W_B‖²_F = Σ (A₁ᵀA₁ M) ⊙ (M B₂ᵀB₂) with M = A₂ᵀB₁; ‖W_A‖²_F = Σ A₁ᵀA₁ ⊙ A₂ᵀA₂.
    const a1 = draw(),
      a2 = draw(),
      b1 = draw(),
      b2 = draw();
    const gA1 = crossCols(a1, a1, D, Dh),
      gA2 = crossCols(a2, a2, D, Dh);
    const gB1 = crossCols(b1, b1, D, Dh),
      gB2 = crossCols(b2, b2, D, Dh);
    const M = crossCols(a2, b1, D, Dh);
    const num = dot(matmul64(gA1, M, Dh, Dh, Dh), matmul64(M, gB2, Dh, Dh, Dh));
    total += Math.sqrt(Math.max(0, num) / (dot(gA1, gA2) * dot(gB1, gB2)));
  }
  return total / samples;
}

/** Xᵀ·Y [n, n] of two [m, n] float64 matrices. */
function crossCols(x: Float64Array, y: Float64Array, m: number, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    const o = r * n;
    for (let i = 0; i < n; i++) {
      const xi = x[o + i];
      const go = i * n;
      for (let j = 0; j < n; j++) g[go + j] += xi * y[o + j];
    }
  }
  return g;
}
