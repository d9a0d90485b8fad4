/**
 * The array work behind `Tensor`'s notebook helpers (slice, select, diagonal, reductions, transpose, matmul,
 * element-wise arithmetic), on plain row-major (data, shape) pairs so it has no dependency on the class.
 *
 * Dimension legend: any tensor is [..., m, n]; "outer" = product of the axes before the one an op works on,
 * "inner" = product of the axes after it. Sums run in float64 (JS numbers) and are stored as float32.
 */

export interface Raw {
  data: Float32Array;
  shape: number[];
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Resolve a possibly negative axis against `ndim`, with a clear error when it is out of range. */
export function normAxis(axis: number, ndim: number, what = "axis"): number {
  const a = axis < 0 ? ndim + axis : axis;
  if (!Number.isInteger(a) || a < 0 || a >= ndim) {
    throw new RangeError(`${what} ${axis} is out of range for a ${ndim}-dim tensor (valid: ${-ndim}..${ndim - 1})`);
  }
  return a;
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Copy with axes reordered: out.shape[i] = shape[perm[i]] (torch `permute`). */
export function permute(x: Raw, perm: readonly number[]): Raw {
  const nd = x.shape.length;
  if (perm.length !== nd || new Set(perm).size !== nd || perm.some((p) => p < 0 || p >= nd)) {
    throw new RangeError(`permute: [${perm.join(", ")}] is not a permutation of ${nd} axes`);
  }
  const shape = perm.map((p) => x.shape[p]);
  if (perm.every((p, i) => p === i)) return { data: x.data.slice(), shape };
  const inStrides = stridesOf(x.shape);
  const st = perm.map((p) => inStrides[p]);
  const out = new Float32Array(x.data.length);
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  let src = 0;
  const n = shape[last];
  const sl = st[last];
  for (let o = 0; o < out.length; o += n) {
    for (let j = 0; j < n; j++) out[o + j] = x.data[src + j * sl];
    // advance the multi-index over all but the last axis
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      src += st[d];
      if (idx[d] < shape[d]) break;
      src -= st[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { data: out, shape };
}

/** Entries `ids` along `axis` (torch `index_select`); negative ids count from the end. */
export function indexSelect(x: Raw, axis: number, ids: ArrayLike<number>): Raw {
  const a = normAxis(axis, x.shape.length);
  const n = x.shape[a];
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const k = ids.length;
  const resolved = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const j = ids[i] < 0 ? n + ids[i] : ids[i];
    if (!Number.isInteger(j) || j < 0 || j >= n)
      throw new RangeError(`Index ${ids[i]} out of range for axis ${a} of size ${n}`);
    resolved[i] = j;
  }
  const out = new Float32Array(outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < k; i++) {
      const s = (o * n + resolved[i]) * inner;
      out.set(x.data.subarray(s, s + inner), (o * k + i) * inner);
    }
  }
  const shape = [...x.shape];
  shape[a] = k;
  return { data: out, shape };
}

/** Python-style slice bounds (negative from the end, clamped), as `a[start:end:step]` along one axis. */
export function sliceIds(n: number, start = 0, end = n, step = 1): number[] {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice step must be a positive integer, got ${step}`);
  const clamp = (v: number) => Math.min(n, Math.max(0, v < 0 ? n + v : v));
  const ids: number[] = [];
  for (let i = clamp(start); i < clamp(end); i += step) ids.push(i);
  return ids;
}

/**
 * torch `diagonal(offset, dim1, dim2)`: removes `dim1` and `dim2` and appends the diagonal as the last axis.
 * offset > 0 is above the main diagonal, offset < 0 below (`pattern.diagonal(-1)` = previous token).
 */
export function diagonal(x: Raw, offset = 0, dim1 = -2, dim2 = -1): Raw {
  const nd = x.shape.length;
  if (nd < 2) throw new RangeError(`diagonal needs at least 2 axes, got shape [${x.shape.join(", ")}]`);
  const d1 = normAxis(dim1, nd, "dim1");
  const d2 = normAxis(dim2, nd, "dim2");
  if (d1 === d2) throw new RangeError(`diagonal: dim1 and dim2 must differ, both are ${d1}`);
  const rest = x.shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  const p = permute(x, [...rest, d1, d2]);
  const rows = x.shape[d1];
  const cols = x.shape[d2];
  const r0 = offset < 0 ? -offset : 0;
  const c0 = offset > 0 ? offset : 0;
  const len = Math.max(0, Math.min(rows - r0, cols - c0));
  const batch = sizeOf(rest.map((i) => x.shape[i]));
  const out = new Float32Array(batch * len);
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let i = 0; i < len; i++) out[b * len + i] = p.data[base + (r0 + i) * cols + c0 + i];
  }
  return { data: out, shape: [...rest.map((i) => x.shape[i]), len] };
}

export type ReduceOp = "sum" | "mean" | "std" | "var" | "max" | "min";

/**
 * Reduce over `axes` (all axes when undefined). std/var are unbiased (n − 1) unless `correction` is 0,
 * as torch's defaults. NaN for mean/std of an empty set, as torch.
 */
export function reduce(x: Raw, op: ReduceOp, axes?: number | readonly number[], keepdim = false, correction = 1): Raw {
  const nd = x.shape.length;
  const list =
    axes === undefined
      ? x.shape.map((_, i) => i)
      : (typeof axes === "number" ? [axes] : [...axes]).map((a) => normAxis(a, nd));
  const red = [...new Set(list)].sort((a, b) => a - b);
  const keep = x.shape.map((_, i) => i).filter((i) => !red.includes(i));
  const p = permute(x, [...keep, ...red]);
  const n = sizeOf(red.map((i) => x.shape[i]));
  const m = sizeOf(keep.map((i) => x.shape[i]));
  const out = new Float32Array(m);
  for (let o = 0; o < m; o++) {
    const s = o * n;
    let r: number;
    if (op === "max" || op === "min") {
      if (n === 0) throw new RangeError(`${op} of an empty tensor`);
      r = p.data[s];
      for (let i = 1; i < n; i++) r = op === "max" ? Math.max(r, p.data[s + i]) : Math.min(r, p.data[s + i]);
    } else {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += p.data[s + i];
      if (op === "sum") r = sum;
      else if (op === "mean") r = sum / n;
      else {
        const mean = sum / n;
        let ss = 0;
        for (let i = 0; i < n; i++) ss += (p.data[s + i] - mean) ** 2;
        const v = ss / (n - correction);
        r = op === "var" ? v : Math.sqrt(v);
      }
    }
    out[o] = r;
  }
  const shape = keepdim ? x.shape.map((d, i) => (red.includes(i) ? 1 : d)) : keep.map((i) => x.shape[i]);
  return { data: out, shape };
}

/** Index of the largest entry along `axis` (first one on ties, as torch on CPU). */
export function argmax(x: Raw, axis: number): { data: Int32Array; shape: number[] } {
  const a = normAxis(axis, x.shape.length);
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const n = x.shape[a];
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = 0;
      let bv = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x.data[(o * n + i) * inner + j];
        if (v > bv) {
          bv = v;
          best = i;
        }
      }
      out[o * inner + j] = best;
    }
  }
  return { data: out, shape: x.shape.filter((_, i) => i !== a) };
}

/** numpy broadcasting of two shapes; throws naming both shapes when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[], what = "broadcast"): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${what}: shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast (axis ${i}: ${da} vs ${db})`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Offsets into `shape`'s data for every element of the broadcast `target` shape. */
export function broadcastOffsets(shape: readonly number[], target: readonly number[]): Int32Array {
  const nd = target.length;
  const full = [...new Array<number>(nd - shape.length).fill(1), ...shape];
  const st = stridesOf(full).map((s, i) => (full[i] === 1 ? 0 : s));
  const total = sizeOf(target);
  const out = new Int32Array(total);
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let e = 0; e < total; e++) {
    out[e] = off;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < target[d]) break;
      off -= st[d] * target[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Element-wise `f(a, b)` with numpy broadcasting. */
export function elementwise(a: Raw, b: Raw, f: (x: number, y: number) => number, what: string): Raw {
  const shape = broadcastShapes(a.shape, b.shape, what);
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (same) {
    for (let i = 0; i < n; i++) out[i] = f(a.data[i], b.data[i]);
  } else {
    const oa = broadcastOffsets(a.shape, shape);
    const ob = broadcastOffsets(b.shape, shape);
    for (let i = 0; i < n; i++) out[i] = f(a.data[oa[i]], b.data[ob[i]]);
  }
  return { data: out, shape };
}

/**
 * torch `matmul`: [..., m, k] @ [..., k, n] with broadcast leading axes; a 1-D left operand is a row vector
 * and a 1-D right operand a column vector (that axis is dropped from the result), as torch.
 */
export function matmul(a: Raw, b: Raw): Raw {
  if (a.shape.length === 0 || b.shape.length === 0)
    throw new RangeError("matmul: both operands need at least one axis");
  const aVec = a.shape.length === 1;
  const bVec = b.shape.length === 1;
  const as = aVec ? [1, a.shape[0]] : a.shape;
  const bs = bVec ? [b.shape[0], 1] : b.shape;
  const m = as[as.length - 2];
  const k = as[as.length - 1];
  const k2 = bs[bs.length - 2];
  const n = bs[bs.length - 1];
  if (k !== k2) {
    throw new RangeError(
      `matmul: shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}] do not chain (inner sizes ${k} and ${k2})`,
    );
  }
  const lead = broadcastShapes(as.slice(0, -2), bs.slice(0, -2), "matmul leading axes");
  const batch = sizeOf(lead);
  const la = broadcastOffsets(as.slice(0, -2), lead);
  const lb = broadcastOffsets(bs.slice(0, -2), lead);
  const out = new Float32Array(batch * m * n);
  const row = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const ao = la[t] * m * k;
    const bo = lb[t] * k * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a.data[ao + i * k + p];
        if (av === 0) continue;
        const bp = bo + p * n;
        for (let j = 0; j < n; j++) row[j] += av * b.data[bp + j];
      }
      const o = (t * m + i) * n;
      for (let j = 0; j < n; j++) out[o + j] = row[j];
    }
  }
  const shape = [...lead, ...(aVec ? [] : [m]), ...(bVec ? [] : [n])];
  return { data: out, shape };
}
