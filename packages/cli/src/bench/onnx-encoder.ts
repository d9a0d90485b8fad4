/**
 * A minimal ONNX protobuf writer: just the ModelProto / GraphProto / NodeProto / TensorProto / ValueInfoProto
 * fields the benchmark's graph needs (field numbers from onnx/onnx.proto3). Messages are built as lists of
 * byte chunks so the 300 MB of float weights are copied once, into the final buffer.
 */

type Chunk = Uint8Array;

class Msg {
  readonly parts: Chunk[] = [];
  length = 0;

  private push(c: Chunk): void {
    this.parts.push(c);
    this.length += c.length;
  }

  private key(field: number, wire: number): void {
    this.push(varint(field * 8 + wire));
  }

  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.push(varint(v));
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.push(varint(data.length));
    this.push(data);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Msg): this {
    this.key(field, 2);
    this.push(varint(m.length));
    for (const p of m.parts) this.push(p);
    return this;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function varint(v: number | bigint): Uint8Array {
  let x = BigInt.asUintN(64, BigInt(v));
  const bytes: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    bytes.push(b);
  } while (x !== 0n);
  return Uint8Array.from(bytes);
}

export const FLOAT = 1;
export const INT64 = 7;

export type Attr = { name: string; f: number } | { name: string; i: number } | { name: string; ints: number[] };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxValue {
  name: string;
  elemType: number;
  /** Numbers are fixed sizes, strings symbolic dimensions. */
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

function attr(a: Attr): Msg {
  const m = new Msg().string(1, a.name);
  if ("f" in a) return m.float(2, a.f).int(20, 1);
  if ("i" in a) return m.int(3, a.i).int(20, 2);
  for (const v of a.ints) m.int(8, v);
  return m.int(20, 7);
}

function tensor(t: OnnxTensor): Msg {
  const m = new Msg();
  for (const d of t.dims) m.int(1, d);
  m.int(2, t.data instanceof Float32Array ? FLOAT : INT64);
  m.string(8, t.name);
  // raw_data is little-endian, which typed arrays are on every platform this runs on.
  m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return m;
}

function valueInfo(v: OnnxValue): Msg {
  const shape = new Msg();
  for (const d of v.shape) shape.msg(1, typeof d === "number" ? new Msg().int(1, d) : new Msg().string(2, d));
  const tensorType = new Msg().int(1, v.elemType).msg(2, shape);
  return new Msg().string(1, v.name).msg(2, new Msg().msg(1, tensorType));
}

/** Serialises a graph as an ONNX model (IR version 8, default-domain opset 17). */
export function encodeModel(g: OnnxGraph): Uint8Array {
  const graph = new Msg();
  g.nodes.forEach((n, i) => {
    const node = new Msg();
    for (const s of n.inputs) node.string(1, s);
    for (const s of n.outputs) node.string(2, s);
    node.string(3, `${n.op}_${i}`).string(4, n.op);
    for (const a of n.attrs ?? []) node.msg(5, attr(a));
    graph.msg(1, node);
  });
  graph.string(2, g.name);
  for (const t of g.initializers) graph.msg(5, tensor(t));
  for (const v of g.inputs) graph.msg(11, valueInfo(v));
  for (const v of g.outputs) graph.msg(12, valueInfo(v));
  const model = new Msg()
    .int(1, 8)
    .string(2, "attnscope-bench")
    .msg(7, graph)
    .msg(8, new Msg().string(1, "").int(2, 17));
  return model.toBytes();
}
