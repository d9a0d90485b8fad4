/**
 * Composition scores between heads (TransformerLens `all_composition_scores`, ARENA's random baseline).
 *
 * Dimension legend: L layers, H heads, D d_model, Dh d_head.
 *
 * For an earlier head A and a later head B, with W_A = OV_A = W_V^A W_O^A [D, D] and W_B one of
 *   Q: QK_B = W_Q^B W_K^Bᵀ,   K: QK_Bᵀ = W_K^B W_Q^Bᵀ,   V: OV_B,
 * the score is ‖W_A W_B‖_F / (‖W_A‖_F ‖W_B‖_F). Every matrix here is a product of [D, Dh] and [Dh, D]
 * factors, so each norm is computed from Dh × Dh Gram matrices in float64 and nothing D × D is formed:
 * ‖A₁B₁A₂B₂‖²_F = Σ (A₁ᵀA₁ M) ⊙ (M B₂B₂ᵀ) with M = B₁A₂.
 */
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { SeededRandom } from "../util/random.js";
import { dot, gramCols, gramRows, matmul64 } from "../linalg/dense.js";
import { FactoredMatrix } from "../linalg/factored-matrix.js";
import { Tensor } from "../tensor.js";

export type CompositionMode = "Q" | "K" | "V";

/** One head's circuit as factors A [D, Dh] and B [Dh, D] with the Gram matrices the scores need. */
interface Factored {
  A: Float32Array | Float64Array;
  B: Float32Array | Float64Array;
  /** AᵀA [Dh, Dh] */
  gA: Float64Array;
  /** BBᵀ [Dh, Dh] */
  gB: Float64Array;
  /** ‖AB‖_F */
  norm: number;
}

function factored(A: Float32Array | Float64Array, B: Float32Array | Float64Array, D: number, Dh: number): Factored {
  const gA = gramCols(A, D, Dh);
  const gB = gramRows(B, Dh, D);
  return { A, B, gA, gB, norm: Math.sqrt(Math.max(0, dot(gA, gB))) };
}

/** ‖A₁B₁ · A₂B₂‖_F / (‖A₁B₁‖_F ‖A₂B₂‖_F). */
function score(left: Factored, right: Factored, D: number, Dh: number): number {
  const M = matmul64(left.B, right.A, Dh, D, Dh);
  const x = matmul64(left.gA, M, Dh, Dh, Dh);
  const y = matmul64(M, right.gB, Dh, Dh, Dh);
  return Math.sqrt(Math.max(0, dot(x, y))) / (left.norm * right.norm);
}

/** [H, D, Dh] or [H, Dh, D] slices of a stacked weight, per layer and head. */
function head(t: Tensor, l: number, h: number): Float32Array {
  return t.index(l, h).data;
}

function transposeInto(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
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
  const W_Q = model.W_Q,
    W_K = model.W_K,
    W_V = model.W_V,
    W_O = model.W_O;
  const ov: Factored[][] = [];
  const right: Factored[][] = [];
  for (let l = 0; l < L; l++) {
    ov.push([]);
    right.push([]);
    for (let h = 0; h < H; h++) {
      const o = factored(head(W_V, l, h), head(W_O, l, h), D, Dh);
      ov[l].push(o);
      if (mode === "V") right[l].push(o);
      else {
        const [a, b] = mode === "Q" ? [head(W_Q, l, h), head(W_K, l, h)] : [head(W_K, l, h), head(W_Q, l, h)];
        right[l].push(factored(a, transposeInto(b, D, Dh), D, Dh));
      }
    }
  }
  const out = new Float32Array(L * H * L * H);
  for (let l1 = 0; l1 < L; l1++)
    for (let h1 = 0; h1 < H; h1++)
      for (let l2 = l1 + 1; l2 < L; l2++)
        for (let h2 = 0; h2 < H; h2++) {
          out[((l1 * H + h1) * L + l2) * H + h2] = score(ov[l1][h1], right[l2][h2], D, Dh);
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
