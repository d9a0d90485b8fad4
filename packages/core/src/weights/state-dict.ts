/**
 * A loaded state dict: TransformerLens key → tensor, in file order. Floating tensors of any stored
 * precision (float32/float16/bfloat16) arrive as float32; bool buffers (`mask`) as Uint8Array 0/1;
 * integer tensors keep an integer array.
 */
export type StoredDType =
  "float32" | "float16" | "bfloat16" | "float64" | "bool" | "uint8" | "int8" | "int16" | "int32" | "int64";

export interface StateDictTensor {
  /** dtype as stored in the file (before conversion). */
  dtype: StoredDType;
  shape: number[];
  data: Float32Array | Uint8Array | Int32Array | BigInt64Array | Int8Array | Int16Array;
}

export type StateDict = Map<string, StateDictTensor>;
