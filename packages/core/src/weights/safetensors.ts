/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`,
 * then the raw little-endian data. Parsing executes nothing; every offset and size is checked, and the
 * tensors must tile the data section exactly (no gap, overlap or trailing byte).
 *
 * Float32 tensors are views into `bytes` when 4-byte aligned (no copy): keep `bytes` alive and do not
 * modify it while the state dict is in use.
 */
import type { StateDict, StateDictTensor, StoredDType } from "./state-dict.js";
import { DTYPE_SIZE, decodeElements, float32ToBfloat16Bits, float32ToFloat16Bits } from "./dtypes.js";
import { WeightsError } from "./errors.js";

const FROM_SAFETENSORS: Record<string, StoredDType> = {
  F64: "float64",
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
  BOOL: "bool",
  U8: "uint8",
  I8: "int8",
  I16: "int16",
  I32: "int32",
  I64: "int64",
};
const TO_SAFETENSORS: Record<StoredDType, string> = Object.fromEntries(
  Object.entries(FROM_SAFETENSORS).map(([k, v]) => [v, k]),
) as Record<StoredDType, string>;

/** A header larger than this is not a weight file but garbage (the reference implementation caps at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsFile {
  tensors: StateDict;
  metadata: Record<string, string>;
}

/** A header value as JSON, cut to a length fit for a message (headers can be up to 100 MB). */
function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** One tensor's entry in a checked header: its dtype, shape and byte range within the data section. */
interface SafetensorsEntry {
  key: string;
  dtype: StoredDType;
  shape: number[];
  begin: number;
  end: number;
}

/** A checked header: the tensors (in header order), the metadata, and where the data section starts. */
interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

/**
 * Bytes of a file's start that hold its whole header (8-byte length + JSON), read from its first 8 bytes;
 * checked against the file's length so a damaged length never makes a reader allocate or read past the file.
 */
export function safetensorsHeaderBytes(first8: Uint8Array, fileLength: number, source = "safetensors file"): number {
  if (fileLength < 8 || first8.length < 8)
    throw new WeightsError(
      `${source}: not a safetensors file: ${fileLength} bytes, shorter than the 8-byte header length`,
      source,
    );
  const headerLen = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, fileLength - 8))) {
    throw new WeightsError(
      `${source}: header length ${headerLen} exceeds the file (${fileLength} bytes): truncated or not a safetensors file`,
      source,
    );
  }
  return 8 + Number(headerLen);
}

/**
 * Checks the header of a `fileLength`-byte safetensors file whose first bytes are `head` (at least
 * `safetensorsHeaderBytes` of them): every entry's dtype, shape and range, and that the ranges tile the data.
 */
function readHeader(head: Uint8Array, fileLength: number, source: string): SafetensorsHeader {
  const fail = (why: string, key?: string): never => {
    throw new WeightsError(`${source}: ${key === undefined ? "" : `tensor ${short(key)}: `}${why}`, source, key);
  };
  const dataStart = safetensorsHeaderBytes(head, fileLength, source);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(8, dataStart)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail("header is not a JSON object");

  const dataLen = fileLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];

  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw))
        fail("__metadata__ must be an object of strings");
      for (const [mk, mv] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof mv !== "string") fail(`__metadata__[${short(mk)}] must be a string, got ${short(mv)}`);
        metadata[mk] = mv as string;
      }
      continue;
    }
    if (key === "") fail("a tensor in the header has an empty name");
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      fail(`header entry is ${short(raw)}, not an object`, key);
    const { dtype: st, shape, data_offsets: offs } = raw as Record<string, unknown>;
    if (typeof st !== "string") fail("missing dtype", key);
    const dtype = FROM_SAFETENSORS[st as string];
    if (!dtype)
      fail(`dtype ${short(st)} is not supported (supported: ${Object.keys(FROM_SAFETENSORS).join(", ")})`, key);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`shape must be a list of non-negative integers, got ${short(shape)}`, key);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`data_offsets must be [begin, end], got ${short(offs)}`, key);
    }
    const [begin, end] = offs as number[];
    if (begin > end) fail(`data_offsets [${begin}, ${end}] end before they begin`, key);
    if (end > dataLen)
      fail(`data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes): truncated file`, key);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const want = count * DTYPE_SIZE[dtype];
    if (end - begin !== want) {
      fail(`holds ${end - begin} bytes but ${st} shape [${(shape as number[]).join(", ")}] needs ${want}`, key);
    }
    entries.push({ key, dtype, shape: [...(shape as number[])], begin, end });
  }

  // As the reference implementation requires, the tensors tile the data section exactly: sorted by offset,
  // each begins where the previous ends, and the last ends at the end of the file. A gap or trailing bytes
  // mean a damaged header (or a file cut or padded), so nothing is read from it.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: (typeof entries)[number] | undefined;
  for (const cur of byOffset) {
    if (cur.begin < at)
      fail(`data [${cur.begin}, ${cur.end}] overlaps tensor "${prev!.key}" [${prev!.begin}, ${prev!.end}]`, cur.key);
    if (cur.begin > at)
      fail(
        `begins at byte ${cur.begin} of the data, but the tensors before it end at byte ${at}: a gap of ${cur.begin - at} bytes`,
        cur.key,
      );
    at = cur.end;
    if (cur.end > cur.begin) prev = cur;
  }
  if (at !== dataLen) {
    fail(
      `the data section holds ${dataLen - at} bytes after the last tensor${prev ? ` "${prev.key}" (which ends at byte ${at} of ${dataLen})` : ` (it has no tensor data)`}: the file is damaged or padded`,
    );
  }

  return { entries, metadata, dataStart };
}

/** Parse a safetensors file. `source` names the file in error messages. */
export function readSafetensors(bytes: Uint8Array, source = "safetensors file"): SafetensorsFile {
  const { entries, metadata, dataStart } = readHeader(bytes, bytes.length, source);
  const tensors: StateDict = new Map();
  for (const { key, dtype, shape, begin, end } of entries) {
    const count = (end - begin) / DTYPE_SIZE[dtype];
    tensors.set(key, {
      dtype,
      shape,
      data: decodeElements(bytes.subarray(dataStart + begin, dataStart + end), dtype, count),
    });
  }
  return { tensors, metadata };
}

/**
 * A safetensors file whose tensors are read when their `data` is first used, each into its own buffer, instead
 * of the whole file at once: a loader that hands each weight on (to kernels memory) and drops it never holds
 * the file's bytes and the weights together. `head` holds the file's first `safetensorsHeaderBytes` bytes, and
 * `read(begin, end)` returns bytes [begin, end) of the file. The header is checked as `readSafetensors` checks
 * it, before any tensor is read. The tensor read last is kept (a caller that reads `data` twice in a row gets
 * the same array); others are read from the file again. No weak references: those would keep every tensor read
 * in one synchronous job alive until it ends, which is the whole model's construction.
 */
export function readSafetensorsLazily(
  head: Uint8Array,
  fileLength: number,
  read: (begin: number, end: number) => Uint8Array,
  source = "safetensors file",
): SafetensorsFile {
  const { entries, metadata, dataStart } = readHeader(head, fileLength, source);
  const tensors: StateDict = new Map();
  let last: { key: string; data: StateDictTensor["data"] } | null = null;
  for (const { key, dtype, shape, begin, end } of entries) {
    tensors.set(key, {
      dtype,
      shape,
      get data() {
        if (last?.key === key) return last.data;
        last = null; // the previous tensor can go before this one is read
        const bytes = read(dataStart + begin, dataStart + end);
        if (bytes.length !== end - begin)
          throw new WeightsError(
            `${source}: tensor ${short(key)}: the file changed while it was being read`,
            source,
            key,
          );
        const data = decodeElements(bytes, dtype, (end - begin) / DTYPE_SIZE[dtype]);
        last = { key, data };
        return data;
      },
    });
  }
  return { tensors, metadata };
}

/** What `writeSafetensors` accepts per tensor. Float data is converted to the requested dtype. */
export interface TensorToWrite {
  dtype: StoredDType;
  shape: readonly number[];
  data: ArrayLike<number> | ArrayLike<bigint> | StateDictTensor["data"] | Float64Array | Uint16Array;
}

export type TensorsToWrite = Map<string, TensorToWrite> | Record<string, TensorToWrite>;

/** One tensor's place in a file being written: used to stream large files tensor by tensor. */
export interface SafetensorsLayout {
  /** 8-byte length + JSON header, padded with spaces so the data starts at a multiple of 8. */
  header: Uint8Array;
  entries: { key: string; dtype: StoredDType; shape: number[]; begin: number; end: number }[];
  /** Total file size in bytes. */
  size: number;
}

/** Plan a safetensors file: header bytes and each tensor's data range (in the order given). */
export function safetensorsLayout(
  specs: Iterable<[string, { dtype: StoredDType; shape: readonly number[] }]>,
  metadata?: Record<string, string>,
): SafetensorsLayout {
  const json: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) json.__metadata__ = metadata;
  const entries: SafetensorsLayout["entries"] = [];
  let offset = 0;
  for (const [key, { dtype, shape }] of specs) {
    if (key === "__metadata__") throw new Error(`"__metadata__" cannot be a tensor name`);
    if (!(dtype in TO_SAFETENSORS)) throw new Error(`tensor "${key}": dtype ${dtype} cannot be written to safetensors`);
    const bytes = shape.reduce((a, b) => a * b, 1) * DTYPE_SIZE[dtype];
    json[key] = { dtype: TO_SAFETENSORS[dtype], shape: [...shape], data_offsets: [offset, offset + bytes] };
    entries.push({ key, dtype, shape: [...shape], begin: offset, end: offset + bytes });
    offset += bytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  return { header, entries, size: header.length + offset };
}

/** Little-endian bytes of `t`'s data in `t.dtype` (converting float arrays to float16/bfloat16/float64 as needed). */
export function encodeTensorData(key: string, t: TensorToWrite): Uint8Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new Error(
      `tensor "${key}": data has ${t.data.length} elements but shape [${t.shape.join(", ")}] needs ${count}`,
    );
  }
  const d = t.data as ArrayLike<number>;
  let out: ArrayBufferView;
  switch (t.dtype) {
    case "float32":
      out = d instanceof Float32Array ? d : Float32Array.from(d);
      break;
    case "float64":
      out = d instanceof Float64Array ? d : Float64Array.from(d);
      break;
    case "float16":
      out = d instanceof Uint16Array ? d : float32ToFloat16Bits(d);
      break;
    case "bfloat16":
      out = d instanceof Uint16Array ? d : float32ToBfloat16Bits(d);
      break;
    case "bool":
      out = Uint8Array.from(d, (v) => (v ? 1 : 0));
      break;
    case "uint8":
      out = d instanceof Uint8Array ? d : Uint8Array.from(d);
      break;
    case "int8":
      out = d instanceof Int8Array ? d : Int8Array.from(d);
      break;
    case "int16":
      out = d instanceof Int16Array ? d : Int16Array.from(d);
      break;
    case "int32":
      out = d instanceof Int32Array ? d : Int32Array.from(d);
      break;
    case "int64": {
      const src = t.data as ArrayLike<bigint | number>;
      out =
        src instanceof BigInt64Array ? src : BigInt64Array.from(src as ArrayLike<bigint | number>, (v) => BigInt(v));
      break;
    }
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Serialize tensors (in insertion order) to a safetensors file. */
export function writeSafetensors(tensors: TensorsToWrite, metadata?: Record<string, string>): Uint8Array {
  const list: [string, TensorToWrite][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const layout = safetensorsLayout(list, metadata);
  const out = new Uint8Array(layout.size);
  out.set(layout.header, 0);
  list.forEach(([key, t], i) => out.set(encodeTensorData(key, t), layout.header.length + layout.entries[i].begin));
  return out;
}
