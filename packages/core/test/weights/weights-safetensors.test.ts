import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../../src/weights/safetensors.js";
import { describeWithFixtures, readFixture, readGoldens } from "../helpers/fixtures.js";

describeWithFixtures("readSafetensors on the TransformerLens fixtures", () => {
  const goldens = readGoldens();

  it("loads model.safetensors with the state-dict shapes and dtypes of goldens.json", () => {
    const bytes = readFixture("model.safetensors");
    const { tensors, metadata } = readSafetensors(bytes, "model.safetensors");
    expect(metadata.format).toBe("pt");
    expect([...tensors.keys()].sort()).toEqual(Object.keys(goldens.state_dict).sort());
    for (const [key, { shape, dtype }] of Object.entries(goldens.state_dict)) {
      const t = tensors.get(key)!;
      expect(t.shape, key).toEqual(shape);
      expect(t.dtype, key).toBe(dtype);
      expect(t.data.length).toBe(shape.reduce((a, b) => a * b, 1));
    }
    const W_E = tensors.get("embed.W_E")!;
    expect(W_E.data).toBeInstanceOf(Float32Array);
    expect(W_E.data.buffer).toBe(bytes.buffer); // a view, not a copy
    expect(tensors.get("blocks.0.attn.IGNORE")!.data[0]).toBe(-Infinity);
    const mask = tensors.get("blocks.0.attn.mask")!.data as Uint8Array;
    expect(mask).toBeInstanceOf(Uint8Array);
    // lower-triangular including the diagonal
    expect([mask[0], mask[1], mask[256], mask[257], mask[258]]).toEqual([1, 0, 1, 1, 0]);
  });

  it("loads seed_text.safetensors with the tensor shapes of goldens.json", () => {
    const seed = goldens.inputs.find((i) => i.name === "seed_text")!;
    const { tensors } = readSafetensors(readFixture(seed.golden_file), seed.golden_file);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(seed.tensors).sort());
    for (const [key, shape] of Object.entries(seed.tensors)) expect(tensors.get(key)!.shape, key).toEqual(shape);
    expect(tensors.get("logits_rows_positions")!.data).toBeInstanceOf(BigInt64Array);
    expect([...(tensors.get("logits_rows_positions")!.data as BigInt64Array)]).toEqual([0n, 31n, 61n]);
  });
});

describe("writeSafetensors / readSafetensors round trip", () => {
  it("round-trips every dtype, pads the header to 8 bytes, keeps metadata", () => {
    const bytes = writeSafetensors(
      {
        a: { dtype: "float32", shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, -Infinity]) },
        h: { dtype: "float16", shape: [4], data: [1, -2.5, 65504, 2 ** -24] },
        b: { dtype: "bfloat16", shape: [3], data: [1, -2.5, 3.140625] },
        d: { dtype: "float64", shape: [2], data: [0.1, 1e300] },
        m: { dtype: "bool", shape: [3], data: [1, 0, 1] },
        i: { dtype: "int64", shape: [2], data: [5n, -7n] },
        j: { dtype: "int32", shape: [1], data: [-3] },
        u: { dtype: "uint8", shape: [2], data: [255, 0] },
        z: { dtype: "float32", shape: [0], data: [] },
        s: { dtype: "float32", shape: [], data: [7] },
      },
      { format: "pt" },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt" });
    expect([...tensors.keys()]).toEqual(["a", "h", "b", "d", "m", "i", "j", "u", "z", "s"]);
    expect([...tensors.get("a")!.data]).toEqual([1, 2, 3, 4, 5, -Infinity]);
    expect([...tensors.get("h")!.data]).toEqual([1, -2.5, 65504, 2 ** -24]);
    expect(tensors.get("h")!.dtype).toBe("float16");
    expect([...tensors.get("b")!.data]).toEqual([1, -2.5, 3.140625]);
    expect(tensors.get("d")!.data[0]).toBeCloseTo(0.1, 7);
    expect(tensors.get("d")!.data[1]).toBe(Infinity); // beyond float32 range
    expect([...tensors.get("m")!.data]).toEqual([1, 0, 1]);
    expect([...tensors.get("i")!.data]).toEqual([5n, -7n]);
    expect([...tensors.get("j")!.data]).toEqual([-3]);
    expect([...tensors.get("u")!.data]).toEqual([255, 0]);
    expect(tensors.get("z")!.shape).toEqual([0]);
    expect(tensors.get("s")!.shape).toEqual([]);
    expect([...tensors.get("s")!.data]).toEqual([7]);
  });

  it("copies float32 data that is not 4-byte aligned instead of failing", () => {
    const bytes = writeSafetensors({
      m: { dtype: "bool", shape: [1], data: [1] },
      a: { dtype: "float32", shape: [2], data: [1.5, -2] },
    });
    const { tensors } = readSafetensors(bytes);
    expect(tensors.get("a")!.data).toBeInstanceOf(Float32Array);
    expect([...tensors.get("a")!.data]).toEqual([1.5, -2]);
  });
});

describe("readSafetensors refuses malformed files, naming file and tensor", () => {
  const good = writeSafetensors({
    w: { dtype: "float32", shape: [2, 2], data: [1, 2, 3, 4] },
    v: { dtype: "float32", shape: [1], data: [5] },
  });
  const withHeader = (header: object, dataBytes = 20) => {
    const text = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + text.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    return out;
  };

  it("a file shorter than its header", () => {
    expect(() => readSafetensors(good.subarray(0, 5), "x.safetensors")).toThrow(
      /^x\.safetensors: not a safetensors file/,
    );
    expect(() => readSafetensors(good.subarray(0, 30), "x.safetensors")).toThrow(
      /x\.safetensors: header length \d+ exceeds the file/,
    );
  });
  it("truncated data", () => {
    expect(() => readSafetensors(good.subarray(0, good.length - 4), "x.safetensors")).toThrow(
      /x\.safetensors: tensor "v": .*run past the end.*truncated/,
    );
  });
  it("header that is not JSON", () => {
    const bad = good.slice();
    bad[8] = 0x78;
    expect(() => readSafetensors(bad, "x.safetensors")).toThrow(/x\.safetensors: header is not valid UTF-8 JSON/);
  });
  it("size that does not match the shape", () => {
    expect(() =>
      readSafetensors(withHeader({ w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 16] } }), "x.safetensors"),
    ).toThrow('x.safetensors: tensor "w": holds 16 bytes but F32 shape [2, 3] needs 24');
  });
  it("overlapping tensors", () => {
    expect(() =>
      readSafetensors(
        withHeader({
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
        }),
        "x.safetensors",
      ),
    ).toThrow(/x\.safetensors: tensor "b": data \[4, 12\] overlaps tensor "a"/);
  });
  it("unsupported dtype and bad shape", () => {
    expect(() =>
      readSafetensors(withHeader({ a: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }), "x.safetensors"),
    ).toThrow(/tensor "a": dtype "F8_E4M3" is not supported/);
    expect(() =>
      readSafetensors(withHeader({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }), "x.safetensors"),
    ).toThrow(/tensor "a": shape must be/);
  });
});
