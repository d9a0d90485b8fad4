/**
 * A dense, row-major float32 tensor: the one array type the model core passes around.
 * Shapes follow TransformerLens (`[pos, head_index, d_head]`, `[head_index, query_pos, key_pos]`, ...).
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

  /** Sub-tensor along the first axis without copying (`cache.get("pattern", 0).index(7)` = head 7). */
  index(i: number): Tensor {
    if (this.ndim === 0) throw new Error("Cannot index a 0-dim tensor");
    const n = this.shape[0];
    const j = i < 0 ? n + i : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`Index ${i} out of range for axis 0 of size ${n}`);
    const inner = this.shape.slice(1);
    const stride = shapeSize(inner);
    return new Tensor(this.data.subarray(j * stride, (j + 1) * stride), inner);
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
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`Index ${index[d]} out of range for axis ${d} of size ${n}`);
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
