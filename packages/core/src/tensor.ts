import * as ops from "./tensor-ops.js";

/**
 * A dense, row-major float32 tensor: the one array type the model core passes around.
 * Shapes follow TransformerLens (`[pos, head_index, d_head]`, `[head_index, query_pos, key_pos]`, ...).
 *
 * Dimension legend (as in the math files): B batch, T positions, D d_model, H heads, Dh d_head, V d_vocab.
 *
 * The helpers a notebook reaches for are here under torch's names, so ARENA's code ports line by line:
 * `cache.get("pattern", 1).index(0, 4).diagonal(-49).mean().item()` is
 * `cache["pattern", 1][0, 4].diagonal(-49).mean().item()`. `index` and `reshape` share memory with the
 * tensor (as torch views do); every other helper returns a new tensor.
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array, shape: readonly number[]) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(`Tensor data has ${data.length} elements but shape [${shape.join(", ")}] needs ${size}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(shapeSize(shape)), shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** Element at a full index, e.g. `pattern.at(head, query, key)`. */
  at(...index: number[]): number {
    return this.data[this.offset(index)];
  }

  /**
   * `t[i]`, `t[i, j]`, …: sub-tensor at leading indices, without copying (`cache.get("pattern", 0).index(7)` =
   * head 7 of an unbatched cache; `.index(0, 4)` = sequence 0, head 4 of a batched one). Negative indices count
   * from the end.
   */
  index(...indices: number[]): Tensor {
    if (indices.length === 0) return this;
    if (indices.length > this.ndim) {
      throw new RangeError(
        `${indices.length} indices for a ${this.ndim}-dim tensor of shape ${formatShape(this.shape)}`,
      );
    }
    let off = 0;
    for (let d = 0; d < indices.length; d++) {
      const n = this.shape[d];
      const j = indices[d] < 0 ? n + indices[d] : indices[d];
      if (!Number.isInteger(j) || j < 0 || j >= n)
        throw new RangeError(`Index ${indices[d]} out of range for axis ${d} of size ${n}`);
      off = off * n + j;
    }
    const inner = this.shape.slice(indices.length);
    const stride = shapeSize(inner);
    return new Tensor(this.data.subarray(off * stride, (off + 1) * stride), inner);
  }

  /** torch `select(axis, i)`: index `i` on any axis, which disappears. */
  select(axis: number, i: number): Tensor {
    const a = ops.normAxis(axis, this.ndim);
    const r = ops.indexSelect(this.raw(), a, [i]);
    r.shape.splice(a, 1);
    return Tensor.of(r);
  }

  /** torch `index_select(axis, ids)`: the entries `ids` (any order, repeats allowed) along `axis`. */
  indexSelect(axis: number, ids: ArrayLike<number>): Tensor {
    return Tensor.of(ops.indexSelect(this.raw(), axis, ids));
  }

  /** `t[..., start:end:step, ...]` on `axis`, Python bounds (negative from the end, clamped). */
  slice(axis: number, start?: number, end?: number, step = 1): Tensor {
    const a = ops.normAxis(axis, this.ndim);
    return this.indexSelect(a, ops.sliceIds(this.shape[a], start, end, step));
  }

  /** torch `diagonal(offset, dim1, dim2)`: the diagonal becomes the last axis. offset −1 = one below the main. */
  diagonal(offset = 0, dim1 = -2, dim2 = -1): Tensor {
    return Tensor.of(ops.diagonal(this.raw(), offset, dim1, dim2));
  }

  /** torch `transpose(dim0, dim1)` (a copy); `.transpose()` swaps the last two axes (`.T` of a matrix). */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    const a = ops.normAxis(dim0, this.ndim);
    const b = ops.normAxis(dim1, this.ndim);
    const perm = this.shape.map((_, i) => i);
    [perm[a], perm[b]] = [perm[b], perm[a]];
    return Tensor.of(ops.permute(this.raw(), perm));
  }

  /** torch `permute(...axes)` (a copy). */
  permute(...axes: number[]): Tensor {
    return Tensor.of(
      ops.permute(
        this.raw(),
        axes.map((a) => ops.normAxis(a, this.ndim)),
      ),
    );
  }

  /** Sum over `axis` (one or several; all when omitted, giving a 0-dim tensor). */
  sum(axis?: number | readonly number[], keepdim = false): Tensor {
    return Tensor.of(ops.reduce(this.raw(), "sum", axis, keepdim));
  }

  /** Mean over `axis` (all when omitted); NaN over an empty set, as torch. */
  mean(axis?: number | readonly number[], keepdim = false): Tensor {
    return Tensor.of(ops.reduce(this.raw(), "mean", axis, keepdim));
  }

  /** Standard deviation over `axis` (all when omitted), unbiased (n − 1) unless `correction` = 0, as torch. */
  std(axis?: number | readonly number[], opts: { keepdim?: boolean; correction?: number } = {}): Tensor {
    return Tensor.of(ops.reduce(this.raw(), "std", axis, opts.keepdim ?? false, opts.correction ?? 1));
  }

  max(axis?: number | readonly number[], keepdim = false): Tensor {
    return Tensor.of(ops.reduce(this.raw(), "max", axis, keepdim));
  }

  min(axis?: number | readonly number[], keepdim = false): Tensor {
    return Tensor.of(ops.reduce(this.raw(), "min", axis, keepdim));
  }

  /** Index of the largest entry along `axis` (the first on ties), as an Int32Array with the axis removed. */
  argmax(axis = -1): { data: Int32Array; shape: number[] } {
    return ops.argmax(this.raw(), axis);
  }

  /** torch `matmul` (`@`): batched over broadcast leading axes; 1-D operands are vectors. */
  matmul(other: Tensor): Tensor {
    return Tensor.of(ops.matmul(this.raw(), other.raw()));
  }

  add(other: Tensor | number): Tensor {
    return this.elementwise(other, (x, y) => x + y, "add");
  }

  sub(other: Tensor | number): Tensor {
    return this.elementwise(other, (x, y) => x - y, "sub");
  }

  mul(other: Tensor | number): Tensor {
    return this.elementwise(other, (x, y) => x * y, "mul");
  }

  div(other: Tensor | number): Tensor {
    return this.elementwise(other, (x, y) => x / y, "div");
  }

  /** The value of a one-element tensor (torch `item()`). */
  item(): number {
    if (this.size !== 1)
      throw new RangeError(`item() needs a tensor with one element, this one has shape ${formatShape(this.shape)}`);
    return this.data[0];
  }

  /** A 0-dim tensor holding `value`. */
  static scalar(value: number): Tensor {
    return new Tensor(Float32Array.of(value), []);
  }

  private elementwise(other: Tensor | number, f: (x: number, y: number) => number, what: string): Tensor {
    const b = typeof other === "number" ? { data: Float32Array.of(other), shape: [] } : other.raw();
    return Tensor.of(ops.elementwise(this.raw(), b, f, what));
  }

  private raw(): ops.Raw {
    return { data: this.data, shape: [...this.shape] };
  }

  private static of(r: ops.Raw): Tensor {
    return new Tensor(r.data, r.shape);
  }

  /** Same data, new shape (sizes must agree). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Nested JS arrays, e.g. for JSON. */
  toArray(): unknown {
    const build = (dim: number, off: number): unknown => {
      if (dim === this.ndim) return this.data[off];
      const stride = shapeSize(this.shape.slice(dim + 1));
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }

  private offset(index: number[]): number {
    if (index.length !== this.ndim) {
      throw new RangeError(`Expected ${this.ndim} indices for shape [${this.shape.join(", ")}], got ${index.length}`);
    }
    let off = 0;
    for (let d = 0; d < index.length; d++) {
      const n = this.shape[d];
      const i = index[d] < 0 ? n + index[d] : index[d];
      if (!Number.isInteger(i) || i < 0 || i >= n)
        throw new RangeError(`Index ${index[d]} out of range for axis ${d} of size ${n}`);
      off = off * n + i;
    }
    return off;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeEquals(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
