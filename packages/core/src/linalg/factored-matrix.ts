/**
 * TransformerLens's `FactoredMatrix`: a matrix M = A · B kept as its two factors, so a d_model × d_model
 * circuit (QK = W_Q W_Kᵀ, OV = W_V W_O) or a vocab × vocab one (W_E · OV · W_U) is never formed unless asked.
 *
 * Dimension legend: A is [..., l, m] and B is [..., m, r] (l = ldim, m = mdim, r = rdim); the leading axes
 * ("...", e.g. [layer, head]) broadcast. k = the number of singular values (mdim when mdim ≤ ldim, rdim).
 *
 * `svd()` follows TransformerLens: the SVDs of A and B, then of the small middle matrix
 * diag(S_A) V_Aᵀ U_B diag(S_B), so AB = U · diag(S) · Vhᵀ with U [..., l, k], S [..., k], Vh [..., r, k]
 * (TransformerLens's `Vh` is torch.svd's V: its columns are the right singular vectors).
 */
import { Tensor } from "../tensor.js";
import { broadcastOffsets, broadcastShapes, sizeOf } from "../tensor-ops.js";
import { dot, eigenvalues, gramCols, gramRows, matmul64, svd } from "./dense.js";

interface SvdResult {
  U: Tensor;
  S: Tensor;
  Vh: Tensor;
}

export class FactoredMatrix {
  readonly A: Tensor;
  readonly B: Tensor;
  /** The broadcast leading axes of A and B (e.g. [n_layers, n_heads]). */
  readonly leadingShape: readonly number[];
  private svdCache: SvdResult | null = null;

  constructor(A: Tensor, B: Tensor) {
    if (A.ndim < 2 || B.ndim < 2) {
      throw new RangeError(
        `FactoredMatrix needs matrices: A has shape [${A.shape.join(", ")}], B has shape [${B.shape.join(", ")}]`,
      );
    }
    if (A.shape[A.ndim - 1] !== B.shape[B.ndim - 2]) {
      throw new RangeError(
        `FactoredMatrix: A [${A.shape.join(", ")}] and B [${B.shape.join(", ")}] do not chain (A's last axis ${A.shape[A.ndim - 1]} ≠ B's second-last ${B.shape[B.ndim - 2]})`,
      );
    }
    this.A = A;
    this.B = B;
    this.leadingShape = Object.freeze(
      broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2), "FactoredMatrix leading axes"),
    );
  }

  get ldim(): number {
    return this.A.shape[this.A.ndim - 2];
  }

  get mdim(): number {
    return this.A.shape[this.A.ndim - 1];
  }

  get rdim(): number {
    return this.B.shape[this.B.ndim - 1];
  }

  /** [...leading, ldim, rdim]: the shape of AB. */
  get shape(): number[] {
    return [...this.leadingShape, this.ldim, this.rdim];
  }

  get ndim(): number {
    return this.leadingShape.length + 2;
  }

  /** The product A · B, formed. */
  get AB(): Tensor {
    return this.A.matmul(this.B);
  }

  /** B · A [..., m, m] (needs ldim = rdim): same nonzero eigenvalues as AB. */
  get BA(): Tensor {
    this.requireSquare("BA");
    return this.B.matmul(this.A);
  }

  /** The transpose: Bᵀ · Aᵀ. */
  get T(): FactoredMatrix {
    return new FactoredMatrix(this.B.transpose(), this.A.transpose());
  }

  /** The pair [A, B]. */
  get pair(): [Tensor, Tensor] {
    return [this.A, this.B];
  }

  /** U, S, Vh with AB = U · diag(S) · Vhᵀ (computed once, float64 inside). */
  svd(): SvdResult {
    if (this.svdCache) return this.svdCache;
    const { ldim: l, mdim: m, rdim: r } = this;
    const ka = Math.min(l, m);
    const kb = Math.min(m, r);
    const k = Math.min(ka, kb);
    const n = sizeOf(this.leadingShape);
    const U = new Float32Array(n * l * k);
    const S = new Float32Array(n * k);
    const Vh = new Float32Array(n * r * k);
    this.forEach((a, b, t) => {
      const sa = svd(a, l, m);
      const sb = svd(b, m, r);
      // middle = diag(S_A) · V_Aᵀ · U_B · diag(S_B)   [ka, kb]
      const mid = new Float64Array(ka * kb);
      for (let i = 0; i < ka; i++) {
        for (let j = 0; j < kb; j++) {
          let s = 0;
          for (let p = 0; p < m; p++) s += sa.V[p * ka + i] * sb.U[p * kb + j];
          mid[i * kb + j] = sa.S[i] * s * sb.S[j];
        }
      }
      const sm = svd(mid, ka, kb);
      const u = matmul64(sa.U, sm.U, l, ka, k);
      const v = matmul64(sb.V, sm.V, r, kb, k);
      U.set(u, t * l * k);
      S.set(sm.S, t * k);
      Vh.set(v, t * r * k);
    });
    const lead = [...this.leadingShape];
    this.svdCache = {
      U: new Tensor(U, [...lead, l, k]),
      S: new Tensor(S, [...lead, k]),
      Vh: new Tensor(Vh, [...lead, r, k]),
    };
    return this.svdCache;
  }

  get U(): Tensor {
    return this.svd().U;
  }

  get S(): Tensor {
    return this.svd().S;
  }

  get Vh(): Tensor {
    return this.svd().Vh;
  }

  /**
   * Eigenvalues of BA (TransformerLens `eigenvalues`, = the nonzero eigenvalues of AB), complex:
   * real and imaginary parts [..., mdim].
   */
  get eigenvalues(): { real: Tensor; imag: Tensor } {
    this.requireSquare("eigenvalues");
    const { ldim: l, mdim: m } = this;
    const n = sizeOf(this.leadingShape);
    const re = new Float32Array(n * m);
    const im = new Float32Array(n * m);
    this.forEach((a, b, t) => {
      const ba = matmul64(b, a, m, l, m);
      const e = eigenvalues(ba, m);
      re.set(e.real, t * m);
      im.set(e.imag, t * m);
    });
    const shape = [...this.leadingShape, m];
    return { real: new Tensor(re, shape), imag: new Tensor(im, shape) };
  }

  /**
   * Frobenius norm of AB [...leading] without forming it: ‖AB‖²_F = tr(AᵀA · BBᵀ) = Σ (AᵀA) ⊙ (BBᵀ),
   * two mdim × mdim Gram matrices (TransformerLens computes √ΣS², the same number).
   */
  norm(): Tensor {
    const { ldim: l, mdim: m, rdim: r } = this;
    const out = new Float32Array(sizeOf(this.leadingShape));
    this.forEach((a, b, t) => {
      out[t] = Math.sqrt(Math.max(0, dot(gramCols(a, l, m), gramRows(b, m, r))));
    });
    return new Tensor(out, [...this.leadingShape]);
  }

  /** The top-left k × k corner of AB (TransformerLens `get_corner`), forming only that corner. */
  getCorner(k = 3): Tensor {
    return this.A.slice(-2, 0, k).matmul(this.B.slice(-1, 0, k));
  }

  /** diag(S) · Vhᵀ [..., k, rdim]: AB with its left orthonormal factor dropped (same norms and right products). */
  collapseL(): Tensor {
    const { S, Vh } = this.svd();
    return Vh.transpose().mul(S.reshape([...S.shape, 1]));
  }

  /** U · diag(S) [..., ldim, k]: AB with its right orthonormal factor dropped. */
  collapseR(): Tensor {
    const { U, S } = this.svd();
    return U.mul(S.reshape([...S.shape.slice(0, -1), 1, S.shape[S.ndim - 1]]));
  }

  /** U·√S and √S·Vhᵀ: the same matrix with both factors of equal scale (TransformerLens `make_even`). */
  makeEven(): FactoredMatrix {
    const { U, S, Vh } = this.svd();
    const root = new Tensor(S.data.map(Math.sqrt), S.shape);
    return new FactoredMatrix(
      U.mul(root.reshape([...S.shape.slice(0, -1), 1, S.shape[S.ndim - 1]])),
      Vh.transpose().mul(root.reshape([...S.shape, 1])),
    );
  }

  /**
   * `self @ other`, as TransformerLens: a vector gives A·(B·v); a matrix stays factored, multiplied into the
   * smaller side (B·other when rdim > mdim, else AB is formed as the new left factor); a FactoredMatrix
   * gives (self · other.A) · other.B.
   */
  matmul(other: Tensor | FactoredMatrix): FactoredMatrix | Tensor {
    if (other instanceof FactoredMatrix) return (this.matmul(other.A) as FactoredMatrix).matmul(other.B);
    if (other.ndim < 2) return this.A.matmul(this.B.matmul(other));
    this.checkChain(this.rdim, other.shape[other.ndim - 2], "matmul");
    return this.rdim > this.mdim
      ? new FactoredMatrix(this.A, this.B.matmul(other))
      : new FactoredMatrix(this.AB, other);
  }

  /** `other @ self`, mirror of `matmul` (a vector gives (v·A)·B). */
  rmatmul(other: Tensor): FactoredMatrix | Tensor {
    if (other.ndim < 2) return other.matmul(this.A).matmul(this.B);
    this.checkChain(other.shape[other.ndim - 1], this.ldim, "rmatmul");
    return this.ldim > this.mdim
      ? new FactoredMatrix(other.matmul(this.A), this.B)
      : new FactoredMatrix(other, this.AB);
  }

  /** Rows `ids` of AB, still factored: A[..., ids, :] · B (so W_E[S] @ OV never forms the other rows). */
  rows(ids: ArrayLike<number>): FactoredMatrix {
    return new FactoredMatrix(this.A.indexSelect(-2, ids), this.B);
  }

  /** Columns `ids` of AB, still factored: A · B[..., :, ids]. */
  cols(ids: ArrayLike<number>): FactoredMatrix {
    return new FactoredMatrix(this.A, this.B.indexSelect(-1, ids));
  }

  /** `M[i, j, …]` over leading axes (e.g. `model.OV.index(1, 4)` = layer 1, head 4). */
  index(...indices: number[]): FactoredMatrix {
    const lead = this.leadingShape;
    if (indices.length > lead.length) {
      throw new RangeError(
        `FactoredMatrix of shape [${this.shape.join(", ")}] has ${lead.length} leading axes, got ${indices.length} indices`,
      );
    }
    const pick = (t: Tensor): Tensor => {
      const own = t.ndim - 2;
      const skip = lead.length - own; // leading axes this factor broadcasts over
      const idx: number[] = [];
      for (let d = 0; d < indices.length; d++) {
        const n = lead[d];
        const i = indices[d] < 0 ? n + indices[d] : indices[d];
        if (!Number.isInteger(i) || i < 0 || i >= n)
          throw new RangeError(`Index ${indices[d]} out of range for axis ${d} of size ${n}`);
        if (d < skip) continue;
        idx.push(t.shape[d - skip] === 1 ? 0 : i);
      }
      // A leading axis of size 1 that broadcasts is indexed at 0; axes before this factor's own are skipped.
      const dropped = Math.max(0, indices.length - skip);
      return dropped === 0 ? t : t.index(...idx.slice(0, dropped));
    };
    return new FactoredMatrix(pick(this.A), pick(this.B));
  }

  /** Insert a leading axis of size 1 at `axis` (0 ≤ axis ≤ number of leading axes). */
  unsqueeze(axis: number): FactoredMatrix {
    const nl = this.leadingShape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis > nl)
      throw new RangeError(`unsqueeze: axis ${axis} must be a leading axis (0..${nl})`);
    const grow = (t: Tensor) => {
      const own = [...t.shape.slice(0, -2)];
      const full = [...new Array<number>(nl - own.length).fill(1), ...own];
      full.splice(axis, 0, 1);
      return t.reshape([...full, ...t.shape.slice(-2)]);
    };
    return new FactoredMatrix(grow(this.A), grow(this.B));
  }

  toString(): string {
    return `FactoredMatrix(shape [${this.shape.join(", ")}], mdim ${this.mdim})`;
  }

  /** Calls f(A_t, B_t, t) for every leading index t (row-major), with broadcast factors resolved. */
  private forEach(f: (a: Float32Array, b: Float32Array, t: number) => void): void {
    const { ldim: l, mdim: m, rdim: r } = this;
    const lead = [...this.leadingShape];
    const ia = broadcastOffsets(this.A.shape.slice(0, -2), lead);
    const ib = broadcastOffsets(this.B.shape.slice(0, -2), lead);
    for (let t = 0; t < ia.length; t++) {
      f(
        this.A.data.subarray(ia[t] * l * m, (ia[t] + 1) * l * m),
        this.B.data.subarray(ib[t] * m * r, (ib[t] + 1) * m * r),
        t,
      );
    }
  }

  private requireSquare(what: string): void {
    if (this.ldim !== this.rdim)
      throw new RangeError(`${what} needs a square matrix, this one is ${this.ldim} × ${this.rdim}`);
  }

  private checkChain(left: number, right: number, what: string): void {
    if (left !== right) throw new RangeError(`FactoredMatrix ${what}: inner sizes ${left} and ${right} do not match`);
  }
}
