/**
 * Generators of hostile and damaged weight files, one per attack or failure the loaders must refuse quickly
 * and by name. Each returns the file's bytes and what its error must say; `weights-hostile.test.ts` loads
 * every one and `scripts`-free reproduction is `parseWeights(make(), name)`.
 */
import { writeSafetensors } from "../../src/weights/safetensors.js";
import { PickleWriter, torchStateDictPickle } from "./pickle-writer.js";
import { pthWithPickle, writePth, writeStridedPth } from "./torch-zip.js";

export interface HostileCase {
  /** File name used in the error. */
  file: string;
  bytes: () => Uint8Array;
  /** What the WeightsError's message must match (it must also start with the file name). */
  error: RegExp;
}

const u32le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A pickle of raw opcodes: PROTO 2, then `body`, then STOP. */
function pickle(body: (w: PickleWriter) => void): Uint8Array {
  const w = new PickleWriter().proto(2);
  body(w);
  return w.stop().bytes();
}

/** `n` copies of one opcode byte sequence, built without a huge argument list. */
function repeat(seq: number[], n: number): number[] {
  const out = new Array<number>(seq.length * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < seq.length; j++) out[i * seq.length + j] = seq[j];
  return out;
}

function rawPickle(parts: number[][]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One tuple nested `depth` levels, each level holding the previous twice through the memo: 2^depth leaves. */
export function billionLaughs(depth = 30): number[] {
  const ops: number[] = [0x29, 0x71, 0]; // EMPTY_TUPLE, BINPUT 0
  // POP the previous level, BINGET it twice, TUPLE2, BINPUT i: only the newest level stays on the stack.
  for (let i = 1; i <= depth; i++) ops.push(0x30, 0x68, i - 1, 0x68, i - 1, 0x86, 0x71, i);
  return ops;
}

const tensor = { storageKey: "0", storageDtype: "float32", storageNumel: 4, offset: 0, shape: [4], stride: [1] };

export const HOSTILE_PICKLES: Record<string, HostileCase> = {
  "LONG4 of 300 KB": {
    file: "long4.pth",
    bytes: () =>
      pthWithPickle(rawPickle([[0x80, 0x02, 0x8b, ...u32le(300_000)], new Array(300_000).fill(0x7f), [0x2e]])),
    error: /an integer of 300000 bytes at byte 2: larger than a state dict ever holds/,
  },
  "text LONG of 600k digits": {
    file: "long-text.pth",
    bytes: () => pthWithPickle(rawPickle([[0x80, 0x02, 0x4c], new Array(600_000).fill(0x39), [0x4c, 0x0a, 0x2e]])),
    error: /an integer of 600000 digits/,
  },
  "billion laughs as a dict key": {
    file: "laughs-key.pth",
    // {((), ())...: None}: a key whose printed form has 2^30 leaves.
    bytes: () => pthWithPickle(rawPickle([[0x80, 0x02, 0x7d], billionLaughs(30), [0x4e, 0x73, 0x2e]])),
    error: /not a state dict: \(\(\(\(.*… is None, not a tensor/,
  },
  "billion laughs as a state-dict value": {
    file: "laughs-value.pth",
    bytes: () =>
      pthWithPickle(
        rawPickle([
          [0x80, 0x02, 0x7d, 0x58, ...u32le(9)],
          [...new TextEncoder().encode("embed.W_E")],
          billionLaughs(30),
          [0x73, 0x2e],
        ]),
      ),
    error: /not a state dict: "embed\.W_E" is \(\(\(.*…/,
  },
  "a list holding itself": {
    file: "cycle-list.pth",
    bytes: () => pthWithPickle(rawPickle([[0x80, 0x02, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2e]])), // [] memo0, get0, APPEND
    error: /a cycle: the list at top level contains itself \(through \[0\]\)/,
  },
  "a tuple holding itself (through a list)": {
    file: "cycle-tuple.pth",
    // l = []; t = (l,); l.append(t); {"w": t}
    bytes: () =>
      pthWithPickle(
        rawPickle([
          [
            0x80,
            0x02,
            0x7d,
            0x58,
            ...u32le(1),
            0x77,
            0x5d,
            0x71,
            0x00,
            0x68,
            0x00,
            0x85,
            0x71,
            0x01,
            0x61,
            0x30,
            0x68,
            0x01,
            0x73,
            0x2e,
          ],
        ]),
      ),
    error: /a cycle: the tuple at top-level value\["w"\] contains itself \(through \[0\]\[0\]\)/,
  },
  "a dict holding itself": {
    file: "cycle-dict.pth",
    bytes: () =>
      pthWithPickle(rawPickle([[0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, ...u32le(1), 0x6b, 0x68, 0x00, 0x73, 0x2e]])),
    error: /a cycle: the dict at top level contains itself \(through \["k"\]\)/,
  },
  "APPENDS with 200k items": {
    file: "appends.pth",
    bytes: () => pthWithPickle(rawPickle([[0x80, 0x02, 0x5d, 0x28], new Array(200_000).fill(0x4e), [0x65, 0x2e]])),
    error: /the checkpoint holds \[None, None, .*\(200000 items\)\], not a state dict/,
  },
  "ADDITEMS with 200k items": {
    file: "additems.pth",
    bytes: () => pthWithPickle(rawPickle([[0x80, 0x04, 0x8f, 0x28], new Array(200_000).fill(0x4e), [0x90, 0x2e]])),
    error: /\(200000 items\)\], not a state dict/,
  },
  "MARKs nested 100k deep": {
    file: "deep-marks.pth",
    bytes: () =>
      pthWithPickle(rawPickle([[0x80, 0x02], new Array(100_000).fill(0x28), repeat([0x74], 100_000), [0x2e]])),
    error: /MARKs nested more than 1000 deep at byte 1002/,
  },
  "lists nested 100k deep": {
    file: "deep-lists.pth",
    // 100k empty lists on the stack, each APPENDed into the one below: [[[[...]]]]
    bytes: () =>
      pthWithPickle(rawPickle([[0x80, 0x02], new Array(100_000).fill(0x5d), new Array(99_999).fill(0x61), [0x2e]])),
    error: /the checkpoint holds \[\[\[\[.*, not a state dict/,
  },
  "tuples nested 100k deep": {
    file: "deep-tuples.pth",
    bytes: () => pthWithPickle(rawPickle([[0x80, 0x02, 0x29], new Array(100_000).fill(0x85), [0x2e]])),
    error: /the checkpoint holds \(\(\(\(.*, not a state dict/,
  },
  "a stride-0 [65536, 65536] view over 4 bytes": {
    file: "broadcast.pth",
    bytes: () =>
      writeStridedPth(
        { "0": { dtype: "float32", data: [1] } },
        { w: { storage: "0", shape: [65536, 65536], stride: [0, 0] } },
      ),
    error:
      /tensor "w" \(shape \[65536, 65536\], stride \[0, 0\], offset 0\) has 4294967296 elements but its storage "0" only 1/,
  },
  "strides reaching outside the storage": {
    file: "strides.pth",
    bytes: () =>
      writeStridedPth(
        { "0": { dtype: "float32", data: [1, 2, 3, 4] } },
        { w: { storage: "0", shape: [2, 2], stride: [3, 1] } },
      ),
    error:
      /tensor "w" \(shape \[2, 2\], stride \[3, 1\], offset 0\) addresses element 4, past its storage "0" of 4 elements/,
  },
  "overlapping strides": {
    file: "overlap.pth",
    bytes: () =>
      writeStridedPth(
        { "0": { dtype: "float32", data: [1, 2, 3, 4, 5, 6] } },
        { w: { storage: "0", shape: [2, 3], stride: [2, 1] } },
      ),
    error: /tensor "w" \(shape \[2, 3\], stride \[2, 1\], offset 0\) has overlapping strides/,
  },
  "an offset past the storage": {
    file: "offset.pth",
    bytes: () =>
      writeStridedPth(
        { "0": { dtype: "float32", data: [1, 2, 3, 4] } },
        { w: { storage: "0", shape: [1], offset: 1_000_000 } },
      ),
    error: /addresses element 1000000, past its storage "0" of 4 elements/,
  },
  "a tuple as a state-dict key": {
    file: "tuple-key.pth",
    bytes: () => pthWithPickle(rawPickle([[0x80, 0x02, 0x7d, 0x4b, 0x01, 0x4b, 0x02, 0x86, 0x4e, 0x73, 0x2e]])),
    error: /not a state dict: \(1, 2\) is None, not a tensor/,
  },
  "a persistent id that is not a storage": {
    file: "pid.pth",
    bytes: () => pthWithPickle(pickle((w) => w.emptyDict().str("w").str("nonsense").tuple1().binpersid().raw(0x73))),
    error: /unsupported persistent id \("nonsense",\) in data\.pkl/,
  },
  "a storage declared twice with different sizes": {
    file: "storage-twice.pth",
    bytes: () =>
      pthWithPickle(
        torchStateDictPickle([
          ["a", tensor],
          ["b", { ...tensor, storageNumel: 8 }],
        ]),
      ),
    error: /storage "0" is declared twice, as 4 float32 and as 8 float32/,
  },
};

/** Flip one bit of a float32 tensor's data inside a `.pth` (as a bad disk or a proxy would). */
export function flipTensorByte(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] ^= 0x10;
  return out;
}

export const HOSTILE_ZIPS: Record<string, HostileCase> = {
  "a flipped byte in a tensor's data": {
    file: "flipped.pth",
    bytes: () => {
      const good = writePth({ "embed.W_E": { dtype: "float32", shape: [4], data: [1, 2, 3, 4] } });
      // The data of entry archive/data/0 is the last 64-aligned block before archive/version.
      const at = findBytes(good, new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
      return flipTensorByte(good, at + 5);
    },
    error: /corrupted: zip entry "archive\/data\/0" \(the storage of "embed\.W_E"\) fails its CRC-32 check/,
  },
  "a flipped byte in data.pkl": {
    file: "flipped-pkl.pth",
    bytes: () => {
      const good = writePth({ w: { dtype: "float32", shape: [4], data: [1, 2, 3, 4] } });
      return flipTensorByte(good, findBytes(good, new TextEncoder().encode("FloatStorage")) + 2);
    },
    error: /corrupted: zip entry "archive\/data\.pkl" \(the pickled state dict\) fails its CRC-32 check/,
  },
  "a local header naming another file": {
    file: "local-name.pth",
    bytes: () => {
      const good = writePth({ w: { dtype: "float32", shape: [4], data: [1, 2, 3, 4] } });
      const out = good.slice();
      const at = findBytes(out, new TextEncoder().encode("archive/data/0")); // first occurrence: the local header
      out[at + 13] = "9".charCodeAt(0);
      return out;
    },
    error: /the local header at byte \d+ names "archive\/data\/9", the central directory "archive\/data\/0"/,
  },
  "a local header with other sizes": {
    file: "local-size.pth",
    bytes: () => {
      const good = writePth({ w: { dtype: "float32", shape: [4], data: [1, 2, 3, 4] } });
      const out = good.slice();
      const at = findBytes(out, new TextEncoder().encode("archive/data/0")) - 30;
      new DataView(out.buffer).setUint32(at + 22, 12, true);
      return out;
    },
    error:
      /entry "archive\/data\/0": local header \(CRC 0x[0-9a-f]{8}, 16\/12 bytes\) disagrees with the central directory \(CRC 0x[0-9a-f]{8}, 16\/16 bytes\)/,
  },
  "a central directory offset pointing into another entry": {
    file: "central-offset.pth",
    bytes: () => {
      const good = writePth({
        a: { dtype: "float32", shape: [4], data: [1, 2, 3, 4] },
        b: { dtype: "float32", shape: [4], data: [5, 6, 7, 8] },
      });
      const out = good.slice();
      const v = new DataView(out.buffer);
      // The central record of archive/data/1 is the last "archive/data/1" in the file; point it at data/0's header.
      const names = allOffsets(out, new TextEncoder().encode("archive/data/"));
      const local0 = names[0] - 30;
      const central1 = names[names.length - 1] - 46;
      v.setUint32(central1 + 42, local0, true);
      return out;
    },
    error: /names "archive\/data\/0", the central directory "archive\/data\/1"/,
  },
};

export const HOSTILE_SAFETENSORS: Record<string, HostileCase> = {
  "a header length beyond the file": {
    file: "header.safetensors",
    bytes: () => {
      const out = writeSafetensors({ w: { dtype: "float32", shape: [2], data: [1, 2] } });
      new DataView(out.buffer).setBigUint64(0, 1n << 40n, true);
      return out;
    },
    error: /header length 1099511627776 exceeds the file \(\d+ bytes\)/,
  },
  "a gap between tensors": {
    file: "gap.safetensors",
    bytes: () =>
      withHeader(
        {
          a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
          b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
        },
        12,
      ),
    error: /tensor "b": begins at byte 8 of the data, but the tensors before it end at byte 4: a gap of 4 bytes/,
  },
  "overlapping tensors": {
    file: "overlap.safetensors",
    bytes: () =>
      withHeader(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        },
        8,
      ),
    error: /tensor "b": data \[4, 8\] overlaps tensor "a" \[0, 8\]/,
  },
  "a tensor with an empty name": {
    file: "empty-name.safetensors",
    bytes: () => withHeader({ "": { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 4),
    error: /a tensor in the header has an empty name/,
  },
  "trailing bytes after the last tensor": {
    file: "trailing.safetensors",
    bytes: () => withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 10),
    error: /6 bytes after the last tensor "a" \(which ends at byte 4 of 10\)/,
  },
};

/** A safetensors file with a hand-written header and `dataLen` zero bytes of data. */
export function withHeader(header: Record<string, unknown>, dataLen: number): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataLen);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

export function findBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("needle not found");
}

function allOffsets(hay: Uint8Array, needle: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; ;) {
    try {
      at = findBytes(hay, needle, at);
    } catch {
      return out;
    }
    out.push(at);
    at += 1;
  }
}
