/**
 * Element-type helpers shared by the safetensors and PyTorch readers: byte sizes, half-precision
 * decoding and typed-array views that avoid a copy when the bytes are suitably aligned.
 */
import type { StoredDType, StateDictTensor } from "./state-dict.js";

export const DTYPE_SIZE: Record<StoredDType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  bool: 1,
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
};

export const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let halfTable: Float32Array | undefined;

/** float16 bit patterns → float32, via a 256 KB table built on first use (exact for every value). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Read `count` little-endian 16-bit values starting at `bytes[0]` (any alignment). */
function readU16(bytes: Uint8Array, count: number): Uint16Array {
  if (bytes.byteOffset % 2 === 0 && IS_LITTLE_ENDIAN) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
  return out;
}

export function float16ToFloat32(bytes: Uint8Array, count: number): Float32Array {
  const table = halfToFloatTable();
  const src = readU16(bytes, count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = table[src[i]];
  return out;
}

export function bfloat16ToFloat32(bytes: Uint8Array, count: number): Float32Array {
  const src = readU16(bytes, count);
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) bits[i] = src[i] << 16;
  return out;
}

/** float32 → float16 bits, round-to-nearest-even (for writing fp16 files). */
export function float32ToFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
    out[i] = sign | half; // a carry into the exponent is the correct rounding (up to inf)
  }
  return out;
}

/** float32 → bfloat16 bits, round-to-nearest-even. */
export function float32ToBfloat16Bits(values: ArrayLike<number>): Uint16Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) {
      out[i] = (x >>> 16) | 0x40;
      continue;
    }
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/**
 * Decode `count` little-endian elements of `dtype` from `bytes` into the state-dict array type.
 * float32/int32/int64 are zero-copy views into `bytes`' buffer when aligned; other floats are converted.
 */
export function decodeElements(bytes: Uint8Array, dtype: StoredDType, count: number): StateDictTensor["data"] {
  if (!IS_LITTLE_ENDIAN) throw new Error("weight files are little-endian; this platform is big-endian");
  const aligned = (n: number) => bytes.byteOffset % n === 0;
  switch (dtype) {
    case "float32":
      return aligned(4)
        ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
        : new Float32Array(copyBytes(bytes, count * 4));
    case "float16":
      return float16ToFloat32(bytes, count);
    case "bfloat16":
      return bfloat16ToFloat32(bytes, count);
    case "float64": {
      const f64 = aligned(8)
        ? new Float64Array(bytes.buffer, bytes.byteOffset, count)
        : new Float64Array(copyBytes(bytes, count * 8));
      return Float32Array.from(f64);
    }
    case "int64":
      return aligned(8)
        ? new BigInt64Array(bytes.buffer, bytes.byteOffset, count)
        : new BigInt64Array(copyBytes(bytes, count * 8));
    case "int32":
      return aligned(4)
        ? new Int32Array(bytes.buffer, bytes.byteOffset, count)
        : new Int32Array(copyBytes(bytes, count * 4));
    case "int16":
      return aligned(2)
        ? new Int16Array(bytes.buffer, bytes.byteOffset, count)
        : new Int16Array(copyBytes(bytes, count * 2));
    case "int8":
      return new Int8Array(bytes.buffer, bytes.byteOffset, count);
    case "bool":
    case "uint8":
      // A plain Uint8Array view (not a Node Buffer, whose methods differ) over the same memory.
      return new Uint8Array(bytes.buffer, bytes.byteOffset, count);
  }
}

function copyBytes(bytes: Uint8Array, n: number): ArrayBuffer {
  const out = new Uint8Array(n);
  out.set(bytes.subarray(0, n));
  return out.buffer;
}
