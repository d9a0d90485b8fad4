import { unzipSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readPth } from "../../src/weights/pth.js";
import { readSafetensors } from "../../src/weights/safetensors.js";
import { parseWeights } from "../../src/weights/load.js";
import { describeWithFixtures, readFixture, readGoldens } from "../helpers/fixtures.js";
import { torchStateDictPickle } from "../helpers/pickle-writer.js";
import { pthWithPickle, writePth, writeStridedPth } from "../helpers/torch-zip.js";

describeWithFixtures("readPth on the TransformerLens fixtures", () => {
  const goldens = readGoldens();
  const pthBytes = readFixture("model.pth");
  const pth = readPth(pthBytes, "model.pth");
  const fp16 = readPth(readFixture("model-fp16.pth"), "model-fp16.pth");
  const st = readSafetensors(readFixture("model.safetensors"), "model.safetensors").tensors;

  it("model.pth holds goldens.json's keys in file order, with its shapes and dtypes", () => {
    expect([...pth.keys()]).toEqual(Object.keys(goldens.state_dict));
    for (const [key, { shape, dtype }] of Object.entries(goldens.state_dict)) {
      expect(pth.get(key)!.shape, key).toEqual(shape);
      expect(pth.get(key)!.dtype, key).toBe(dtype);
    }
  });

  it("float32 tensors of model.pth are views into the file bytes (no copy)", () => {
    for (const [key, t] of pth) {
      if (t.dtype === "float32") {
        expect(t.data, key).toBeInstanceOf(Float32Array);
        expect(t.data.buffer, key).toBe(pthBytes.buffer);
      }
    }
  });

  it("model.pth and model.safetensors agree exactly", () => {
    expect([...pth.keys()].sort()).toEqual([...st.keys()].sort());
    for (const [key, t] of st) {
      const p = pth.get(key)!;
      expect(p.shape, key).toEqual(t.shape);
      expect(p.data.constructor, key).toBe(t.data.constructor);
      expect(
        Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).equals(
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        ),
        key,
      ).toBe(true);
    }
  });

  it("model-fp16.pth converts HalfStorage to float32 within fp16 rounding of the fp32 weights", () => {
    expect([...fp16.keys()]).toEqual([...pth.keys()]);
    for (const [key, t] of pth) {
      const h = fp16.get(key)!;
      expect(h.shape, key).toEqual(t.shape);
      if (t.dtype === "bool") {
        expect(h.dtype).toBe("bool");
        expect([...h.data]).toEqual([...t.data]);
        continue;
      }
      expect(h.dtype, key).toBe("float16");
      expect(h.data, key).toBeInstanceOf(Float32Array);
      let maxErr = 0;
      for (let i = 0; i < t.data.length; i++) {
        const a = t.data[i] as number;
        const b = h.data[i] as number;
        if (a === b) continue; // includes -inf
        // fp16 has an 11-bit significand: relative error ≤ 2^-11, absolute ≤ 2^-25 near zero.
        maxErr = Math.max(maxErr, Math.abs(a - b) / Math.max(Math.abs(a), 2 ** -14));
      }
      expect(maxErr, key).toBeLessThanOrEqual(2 ** -11);
      let maxAbs = 0;
      for (let i = 0; i < t.data.length; i++)
        if (t.data[i] !== h.data[i]) maxAbs = Math.max(maxAbs, Math.abs((t.data[i] as number) - (h.data[i] as number)));
      expect(maxAbs, key).toBeLessThan(1e-3);
    }
    expect(fp16.get("blocks.0.attn.IGNORE")!.data[0]).toBe(-Infinity);
  });

  it("a truncated model.pth is refused: end of central directory not found", () => {
    expect(() => readPth(pthBytes.subarray(0, pthBytes.length - 1000), "model.pth")).toThrow(
      "model.pth: truncated or corrupt zip: end of central directory not found",
    );
    expect(() => parseWeights(pthBytes.subarray(0, 5_000_000), "model.pth")).toThrow(
      /^model\.pth: truncated or corrupt zip/,
    );
  });
});

describe("readPth: strides, offsets, storage types", () => {
  it("honours storage offset and non-contiguous strides (transposed and sliced views of one storage)", () => {
    const storage = Array.from({ length: 24 }, (_, i) => i); // 0..23
    const bytes = writeStridedPth(
      { "0": { dtype: "float32", data: storage } },
      {
        whole: { storage: "0", shape: [4, 6] },
        // transpose of the [4, 6] matrix
        transposed: { storage: "0", shape: [6, 4], stride: [1, 6] },
        // rows 1..2, columns 2..4 of the [4, 6] matrix
        block: { storage: "0", shape: [2, 3], stride: [6, 1], offset: 8 },
        // every other element from offset 3
        stepped: { storage: "0", shape: [5], stride: [2], offset: 3 },
        // contiguous tail starting at an offset
        tail: { storage: "0", shape: [2, 2], offset: 20 },
        // a broadcast (stride 0) dimension
        repeated: { storage: "0", shape: [3, 2], stride: [0, 1], offset: 5 },
        scalar: { storage: "0", shape: [], stride: [], offset: 7 },
      },
    );
    const sd = readPth(bytes, "strided.pth");
    const arr = (k: string) => [...sd.get(k)!.data];
    expect(arr("whole")).toEqual(storage);
    expect(arr("transposed")).toEqual([
      0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23,
    ]);
    expect(arr("block")).toEqual([8, 9, 10, 14, 15, 16]);
    expect(arr("stepped")).toEqual([3, 5, 7, 9, 11]);
    expect(arr("tail")).toEqual([20, 21, 22, 23]);
    expect(arr("repeated")).toEqual([5, 6, 5, 6, 5, 6]);
    expect(arr("scalar")).toEqual([7]);
    expect(sd.get("transposed")!.shape).toEqual([6, 4]);
    expect(sd.get("tail")!.data.buffer).toBe(bytes.buffer); // contiguous: still a view
  });

  it("converts HalfStorage and BFloat16Storage (also strided) to float32, keeps BoolStorage as 0/1 bytes", () => {
    const bytes = writeStridedPth(
      {
        h: { dtype: "float16", data: [1, -2, 0.5, 65504, -0.25, 3] },
        b: { dtype: "bfloat16", data: [1, -2, 0.5, 256, -0.25, 3] },
        m: { dtype: "bool", data: [1, 0, 0, 1] },
        l: { dtype: "int64", data: [7, -1] },
      },
      {
        half: { storage: "h", shape: [2, 3] },
        halfT: { storage: "h", shape: [3, 2], stride: [1, 3] },
        bf: { storage: "b", shape: [3], offset: 3 },
        mask: { storage: "m", shape: [2, 2] },
        ids: { storage: "l", shape: [2] },
      },
    );
    const sd = readPth(bytes, "mixed.pth");
    expect(sd.get("half")!.data).toBeInstanceOf(Float32Array);
    expect([...sd.get("half")!.data]).toEqual([1, -2, 0.5, 65504, -0.25, 3]);
    expect([...sd.get("halfT")!.data]).toEqual([1, 65504, -2, -0.25, 0.5, 3]);
    expect(sd.get("bf")!.dtype).toBe("bfloat16");
    expect([...sd.get("bf")!.data]).toEqual([256, -0.25, 3]);
    expect(sd.get("mask")!.data).toBeInstanceOf(Uint8Array);
    expect(sd.get("mask")!.dtype).toBe("bool");
    expect([...sd.get("mask")!.data]).toEqual([1, 0, 0, 1]);
    expect([...sd.get("ids")!.data]).toEqual([7n, -1n]);
  });

  it("reads an archive whose entries are deflated (fflate fallback) and whose top folder has any name", () => {
    const stored = writePth({ w: { dtype: "float32", shape: [3], data: [1, 2, 3] } }, "my_model");
    // re-pack the same entries deflated
    const files = unzipSync(stored);
    expect(Object.keys(files).sort()).toEqual(["my_model/data.pkl", "my_model/data/0", "my_model/version"]);
    const deflated = zipSync(files, { level: 9 });
    expect([...readPth(deflated, "deflated.pth").get("w")!.data]).toEqual([1, 2, 3]);
  });

  it("reads a zip64 archive (64-bit end-of-central-directory records)", () => {
    const zip = writePth({ w: { dtype: "float32", shape: [2], data: [4, 5] } }, "big");
    // Replace the end record with a zip64 record + locator and an end record whose fields say "see zip64".
    const eocd = zip.length - 22;
    const v = new DataView(zip.buffer, zip.byteOffset);
    const count = v.getUint16(eocd + 10, true);
    const cdSize = v.getUint32(eocd + 12, true);
    const cdOffset = v.getUint32(eocd + 16, true);
    const out = new Uint8Array(eocd + 56 + 20 + 22);
    out.set(zip.subarray(0, eocd));
    const o = new DataView(out.buffer);
    o.setUint32(eocd, 0x06064b50, true);
    o.setBigUint64(eocd + 4, 44n, true);
    o.setBigUint64(eocd + 24, BigInt(count), true);
    o.setBigUint64(eocd + 32, BigInt(count), true);
    o.setBigUint64(eocd + 40, BigInt(cdSize), true);
    o.setBigUint64(eocd + 48, BigInt(cdOffset), true);
    o.setUint32(eocd + 56, 0x07064b50, true);
    o.setBigUint64(eocd + 64, BigInt(eocd), true);
    o.setUint32(eocd + 72, 1, true);
    const end = eocd + 76;
    o.setUint32(end, 0x06054b50, true);
    o.setUint16(end + 8, 0xffff, true);
    o.setUint16(end + 10, 0xffff, true);
    o.setUint32(end + 12, 0xffffffff, true);
    o.setUint32(end + 16, 0xffffffff, true);
    expect([...readPth(out, "big.pth").get("w")!.data]).toEqual([4, 5]);
  });

  it("a view reaching past its storage is refused, naming the tensor", () => {
    const bytes = writeStridedPth(
      { "0": { dtype: "float32", data: [1, 2, 3, 4] } },
      { w: { storage: "0", shape: [2, 2], offset: 1 } },
    );
    expect(() => readPth(bytes, "bad.pth")).toThrow(
      /^bad\.pth: tensor "w" \(shape \[2, 2\], stride \[2, 1\], offset 1\) addresses element 4, past its storage "0" of 4 elements/,
    );
  });
});

describe("readPth / parseWeights refuse what is not a checkpoint", () => {
  it("a text file", () => {
    const text = new TextEncoder().encode("d_model: 768\nthis is a config, not weights\n");
    expect(() => parseWeights(text, "notes.txt")).toThrow(
      "notes.txt is not a PyTorch checkpoint (.pth zip) or safetensors file (it looks like text)",
    );
  });
  it("a PNG image", () => {
    const png = Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1,
    ]);
    expect(() => parseWeights(png, "cat.png")).toThrow(
      "cat.png is not a PyTorch checkpoint (.pth zip) or safetensors file (it is a PNG image)",
    );
  });
  it("an HTML page (e.g. a login page saved instead of the weights)", () => {
    expect(() => parseWeights(new TextEncoder().encode("<!doctype html><html>"), "model.pth")).toThrow(
      /model\.pth is not a PyTorch checkpoint .*HTML/,
    );
  });
  it("an empty file", () => {
    expect(() => parseWeights(new Uint8Array(0), "empty.pth")).toThrow(
      "empty.pth is not a PyTorch checkpoint (.pth zip) or safetensors file (it is empty)",
    );
  });
  it("a zip that is not a torch checkpoint (no data.pkl)", () => {
    const zip = zipSync({ "readme.txt": new TextEncoder().encode("hello") }, { level: 0 });
    expect(() => parseWeights(zip, "bundle.zip")).toThrow(
      'bundle.zip: not a PyTorch checkpoint: the zip has no "<name>/data.pkl" entry',
    );
  });
  it("a checkpoint whose storage entry is missing", () => {
    const pkl = torchStateDictPickle([
      ["w", { storageKey: "0", storageDtype: "float32", storageNumel: 2, offset: 0, shape: [2], stride: [1] }],
    ]);
    expect(() => readPth(pthWithPickle(pkl, "model"), "model.pth")).toThrow(
      'model.pth: storage entry "model/data/0" for "w" is missing from the archive',
    );
  });
  it("a storage entry shorter than the storage it declares", () => {
    const good = writePth({ w: { dtype: "float32", shape: [4], data: [1, 2, 3, 4] } }, "m");
    const pkl = torchStateDictPickle([
      ["w", { storageKey: "0", storageDtype: "float32", storageNumel: 8, offset: 0, shape: [8], stride: [1] }],
    ]);
    const files = unzipSync(good);
    files["m/data.pkl"] = new Uint8Array(pkl);
    expect(() => readPth(zipSync(files, { level: 0 }), "m.pth")).toThrow(
      /m\.pth: tensor "w" declares a storage of 8 float32 \(32 bytes\) but "data\/0" holds 16 bytes: the file is corrupted/,
    );
  });
  it("a legacy (torch < 1.6) checkpoint, with a clear message", () => {
    const legacy = Uint8Array.from([
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
    ]);
    expect(() => parseWeights(legacy, "old.pth")).toThrow(
      /^old\.pth is a PyTorch checkpoint in the legacy \(torch < 1\.6, non-zip\) format/,
    );
  });
  it("a zip cut inside its central directory", () => {
    const good = writePth({ w: { dtype: "float32", shape: [4], data: [1, 2, 3, 4] } });
    // drop the middle of the central directory but keep the end record
    const eocd = good.subarray(good.length - 22);
    const cut = new Uint8Array(good.length - 30);
    cut.set(good.subarray(0, good.length - 52));
    cut.set(eocd, cut.length - 22);
    expect(() => readPth(cut, "cut.pth")).toThrow(/^cut\.pth: truncated or corrupt zip/);
  });
});
