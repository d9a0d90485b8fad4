/**
 * Attention inputs come as nested arrays (easy to write by hand, what JSON gives you) or as flat
 * typed arrays (what a model produces; no copy, the fast path). Everything is normalised once into
 * an AttentionTensor: a Float32Array laid out [head][query][key].
 */

/** A flat typed array with an explicit shape, e.g. the Tensor of @attnscope/core. */
export interface ShapedArray {
  readonly data: Float32Array | Float64Array;
  readonly shape: readonly number[];
}

/**
 * Attention for several heads: `number[][][]` as [head][query][key], a flat Float32Array /
 * Float64Array laid out the same way (heads inferred from the token counts), or `{ data, shape }`
 * with shape [heads, queries, keys] (a leading batch dimension of 1 is accepted).
 */
export type AttentionInput = number[][][] | Float32Array | Float64Array | ShapedArray;

/** Attention for one head: [query][key] nested, flat, or `{ data, shape: [queries, keys] }`. */
export type PatternInput = number[][] | Float32Array | Float64Array | ShapedArray;

/** Normalised attention: `data[(h * queries + q) * keys + k]`. */
export interface AttentionTensor {
  readonly data: Float32Array;
  readonly heads: number;
  readonly queries: number;
  readonly keys: number;
}

function isShaped(x: unknown): x is ShapedArray {
  return typeof x === "object" && x !== null && "data" in x && "shape" in x;
}

function toFloat32(data: Float32Array | Float64Array): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

function checkCount(what: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${what}: ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Normalise `input` into an AttentionTensor with the given query and key counts.
 * Throws a message naming the offending head/row when the shape does not match the tokens.
 */
export function toAttentionTensor(
  input: AttentionInput,
  queries: number,
  keys: number,
  what = "attention",
): AttentionTensor {
  checkCount(what, "number of query tokens", queries);
  checkCount(what, "number of key tokens", keys);
  if (input == null) throw new Error(`${what} is missing`);

  if (isShaped(input)) {
    let shape = [...input.shape];
    if (shape.length === 4 && shape[0] === 1) shape = shape.slice(1); // drop a batch of 1
    if (shape.length !== 3) {
      throw new Error(`${what} must have shape [heads, queries, keys], got [${input.shape.join(", ")}]`);
    }
    const [h, q, k] = shape as [number, number, number];
    if (q !== queries || k !== keys) {
      throw new Error(`${what} has shape [${shape.join(", ")}] but there are ${queries} query and ${keys} key tokens`);
    }
    if (input.data.length !== h * q * k) {
      throw new Error(
        `${what} data has ${input.data.length} values but shape [${shape.join(", ")}] needs ${h * q * k}`,
      );
    }
    return { data: toFloat32(input.data), heads: h, queries, keys };
  }

  if (input instanceof Float32Array || input instanceof Float64Array) {
    const per = queries * keys;
    if (input.length === 0 || input.length % per !== 0) {
      throw new Error(
        `${what} has ${input.length} values, which is not a whole number of ${queries} × ${keys} patterns ` +
          `(${queries} query tokens × ${keys} key tokens)`,
      );
    }
    return { data: toFloat32(input), heads: input.length / per, queries, keys };
  }

  if (!Array.isArray(input)) throw new Error(`${what} must be number[][][] or a Float32Array, got ${typeof input}`);
  const heads = input.length;
  if (heads === 0) throw new Error(`${what} has no heads`);
  const data = new Float32Array(heads * queries * keys);
  for (let h = 0; h < heads; h++) {
    const rows = input[h];
    if (!Array.isArray(rows) || rows.length !== queries) {
      throw new Error(
        `${what}[${h}] has ${Array.isArray(rows) ? rows.length : "no"} rows, expected ${queries} (one per query token)`,
      );
    }
    for (let q = 0; q < queries; q++) {
      const row = rows[q];
      if (!Array.isArray(row) || row.length !== keys) {
        throw new Error(
          `${what}[${h}][${q}] has ${Array.isArray(row) ? row.length : "no"} values, expected ${keys} (one per key token)`,
        );
      }
      data.set(row, (h * queries + q) * keys);
    }
  }
  return { data, heads, queries, keys };
}

/** Normalise a single head's pattern (2-D input, or 3-D with exactly one head). */
export function toPatternTensor(
  input: PatternInput,
  queries: number,
  keys: number,
  what = "attention",
): AttentionTensor {
  if (isShaped(input)) {
    const s = input.shape;
    if (s.length === 2) return toAttentionTensor({ data: input.data, shape: [1, s[0]!, s[1]!] }, queries, keys, what);
    const t = toAttentionTensor(input, queries, keys, what);
    if (t.heads !== 1) throw new Error(`${what} holds ${t.heads} heads; pass one head's [queries, keys] pattern`);
    return t;
  }
  if (input instanceof Float32Array || input instanceof Float64Array) {
    if (input.length !== queries * keys) {
      throw new Error(`${what} has ${input.length} values, expected ${queries} × ${keys} = ${queries * keys}`);
    }
    return toAttentionTensor(input, queries, keys, what);
  }
  if (!Array.isArray(input)) throw new Error(`${what} must be number[][] or a Float32Array, got ${typeof input}`);
  return toAttentionTensor([input], queries, keys, what);
}

/** A head's [queries × keys] slice, no copy. */
export function headSlice(t: AttentionTensor, head: number): Float32Array {
  const per = t.queries * t.keys;
  return t.data.subarray(head * per, (head + 1) * per);
}

/** Where query `q` of `head` attends: one value per key, no copy. */
export function attentionRow(t: AttentionTensor, head: number, q: number): Float32Array {
  const start = (head * t.queries + q) * t.keys;
  return t.data.subarray(start, start + t.keys);
}

/** What attends to key `k` in `head`: one value per query (copied, columns are strided). */
export function attentionColumn(t: AttentionTensor, head: number, k: number): Float32Array {
  const out = new Float32Array(t.queries);
  let i = head * t.queries * t.keys + k;
  for (let q = 0; q < t.queries; q++, i += t.keys) out[q] = t.data[i]!;
  return out;
}

/** Largest value of an array (0 for an empty one). */
export function maxOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

/**
 * Stack several layers' [heads, q, k] attention into one tensor with "layer.head" labels, the
 * input AttentionPatterns and AttentionHeads take to show all layers at once.
 */
export function stackLayers(
  layers: readonly AttentionInput[],
  queries: number,
  keys: number = queries,
): { attention: Float32Array; headLabels: string[]; headsPerLayer: number } {
  if (layers.length === 0) throw new Error("stackLayers needs at least one layer");
  const tensors = layers.map((l, i) => toAttentionTensor(l, queries, keys, `layer ${i} attention`));
  const headsPerLayer = tensors[0]!.heads;
  tensors.forEach((t, i) => {
    if (t.heads !== headsPerLayer) throw new Error(`layer ${i} has ${t.heads} heads but layer 0 has ${headsPerLayer}`);
  });
  const per = headsPerLayer * queries * keys;
  const attention = new Float32Array(per * tensors.length);
  const headLabels: string[] = [];
  tensors.forEach((t, l) => {
    attention.set(t.data, l * per);
    for (let h = 0; h < headsPerLayer; h++) headLabels.push(`${l}.${h}`);
  });
  return { attention, headLabels, headsPerLayer };
}
