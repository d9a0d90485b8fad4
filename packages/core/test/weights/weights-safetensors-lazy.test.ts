// A safetensors file read a tensor at a time: the same state dict as reading it whole, the same header checks
// before any tensor is read, each tensor in its own buffer and read only when its data is used.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  readSafetensors,
  readSafetensorsLazily,
  safetensorsHeaderBytes,
  writeSafetensors,
} from "../../src/weights/safetensors.js";
import { openLocalSafetensors } from "../../src/io/lazy-safetensors.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-lazy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = writeSafetensors({
  w: { dtype: "float32", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
  h: { dtype: "float16", shape: [3], data: [0.5, -2, 1024] },
  m: { dtype: "bool", shape: [2], data: Uint8Array.of(1, 0) },
  i: { dtype: "int64", shape: [1], data: BigInt64Array.of(7n) },
});

/** The lazy reader over in-memory bytes, counting the ranges it reads. */
function lazy(bytes: Uint8Array) {
  const reads: [number, number][] = [];
  const head = bytes.subarray(0, safetensorsHeaderBytes(bytes.subarray(0, 8), bytes.length, "x.safetensors"));
  const f = readSafetensorsLazily(
    head,
    bytes.length,
    (b, e) => {
      reads.push([b, e]);
      return bytes.slice(b, e);
    },
    "x.safetensors",
  );
  return { ...f, reads };
}

describe("readSafetensorsLazily", () => {
  it("gives what readSafetensors gives, reading a tensor only when its data is used", () => {
    const eager = readSafetensors(file, "x.safetensors");
    const { tensors, metadata, reads } = lazy(file);
    expect(metadata).toEqual(eager.metadata);
    expect([...tensors.keys()]).toEqual([...eager.tensors.keys()]);
    expect(reads).toEqual([]);
    for (const [key, t] of eager.tensors) {
      const l = tensors.get(key)!;
      expect([l.dtype, l.shape]).toEqual([t.dtype, t.shape]);
      expect(l.data).toEqual(t.data);
    }
    expect(reads.length).toBe(4);
    // Read twice in a row: the same array, no second read; its own buffer, not the file's.
    const w = tensors.get("w")!;
    expect(w.data).toBe(w.data);
    expect(reads.length).toBe(5);
    expect(w.data.buffer).not.toBe(file.buffer);
    expect(w.data.buffer.byteLength).toBe(24);
  });

  it("refuses a damaged header as readSafetensors does, before reading any tensor", () => {
    const cut = file.subarray(0, file.length - 4);
    expect(() => lazy(cut)).toThrow(/x\.safetensors: .*run past the end of the data|after the last tensor/);
    expect(() => readSafetensors(cut, "x.safetensors")).toThrow(/run past the end of the data|after the last tensor/);
    const long = file.slice();
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => safetensorsHeaderBytes(long.subarray(0, 8), long.length, "x.safetensors")).toThrow(
      /x\.safetensors: header length 1099511627776 exceeds the file/,
    );
  });

  it("says so when the file changed under it", () => {
    const { tensors } = readSafetensorsLazily(
      file.subarray(0, safetensorsHeaderBytes(file, file.length)),
      file.length,
      () => new Uint8Array(0),
      "x.safetensors",
    );
    expect(() => tensors.get("w")!.data).toThrow('x.safetensors: tensor "w": the file changed while it was being read');
  });
});

describe("openLocalSafetensors", () => {
  it("opens a local safetensors file lazily, and leaves anything else to the ordinary reader", async () => {
    const p = path.join(dir, "model.safetensors");
    writeFileSync(p, file);
    const opened = await openLocalSafetensors(p, p);
    expect(opened!.size).toBe(file.length);
    expect(opened!.stateDict.get("h")!.data).toEqual(readSafetensors(file).tensors.get("h")!.data);
    const notSafetensors = path.join(dir, "model.pth");
    writeFileSync(notSafetensors, Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0));
    expect(await openLocalSafetensors(notSafetensors, notSafetensors)).toBeNull();
    expect(await openLocalSafetensors(path.join(dir, "missing.safetensors"), "missing")).toBeNull();
    expect(await openLocalSafetensors("https://example.com/model.safetensors", "url")).toBeNull();
    expect(await openLocalSafetensors(dir, dir)).toBeNull();
  });
});
