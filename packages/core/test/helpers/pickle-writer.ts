/**
 * Builds pickle bytes opcode by opcode, for tests: torch-style state dicts (as `torch.save` writes them
 * with protocol 2) and hostile pickles that name dangerous globals.
 */
export class PickleWriter {
  private parts: number[] = [];

  private byte(...b: number[]): this {
    this.parts.push(...b);
    return this;
  }
  private u32(v: number): this {
    return this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  private text(s: string): this {
    return this.byte(...new TextEncoder().encode(s));
  }

  proto(v = 2): this {
    return this.byte(0x80, v);
  }
  mark(): this {
    return this.byte(0x28);
  }
  stop(): this {
    return this.byte(0x2e);
  }
  /** GLOBAL 'module name' (protocol 0-3 form). */
  global(module: string, name: string): this {
    return this.byte(0x63).text(`${module}\n${name}\n`);
  }
  /** STACK_GLOBAL (protocol 4): module and name as strings on the stack. */
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).byte(0x93);
  }
  /** INST module name: instantiate with the MARK's items. */
  inst(module: string, name: string): this {
    return this.byte(0x69).text(`${module}\n${name}\n`);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.byte(0x58)
      .u32(b.length)
      .byte(...b);
  }
  int(v: number): this {
    if (v >= 0 && v < 256) return this.byte(0x4b, v);
    if (v >= 0 && v < 65536) return this.byte(0x4d, v & 0xff, v >> 8);
    return this.byte(0x4a).u32(v >>> 0);
  }
  none(): this {
    return this.byte(0x4e);
  }
  bool(v: boolean): this {
    return this.byte(v ? 0x88 : 0x89);
  }
  emptyTuple(): this {
    return this.byte(0x29);
  }
  tuple(): this {
    return this.byte(0x74);
  }
  tuple1(): this {
    return this.byte(0x85);
  }
  reduce(): this {
    return this.byte(0x52);
  }
  build(): this {
    return this.byte(0x62);
  }
  emptyDict(): this {
    return this.byte(0x7d);
  }
  setitems(): this {
    return this.byte(0x75);
  }
  binpersid(): this {
    return this.byte(0x51);
  }
  binput(i: number): this {
    return this.byte(0x71, i);
  }
  binget(i: number): this {
    return this.byte(0x68, i);
  }
  ints(xs: readonly number[]): this {
    this.mark();
    for (const x of xs) this.int(x);
    return this.tuple();
  }
  raw(...b: number[]): this {
    return this.byte(...b);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export const STORAGE_CLASS: Record<string, string> = {
  float32: "FloatStorage",
  float16: "HalfStorage",
  bfloat16: "BFloat16Storage",
  float64: "DoubleStorage",
  bool: "BoolStorage",
  int64: "LongStorage",
  int32: "IntStorage",
  int16: "ShortStorage",
  int8: "CharStorage",
  uint8: "ByteStorage",
};

export interface PickledTensor {
  storageKey: string;
  storageDtype: string;
  storageNumel: number;
  offset: number;
  shape: readonly number[];
  stride: readonly number[];
}

/** The pickle `torch.save(state_dict)` writes: an OrderedDict of `_rebuild_tensor_v2(...)` calls. */
export function torchStateDictPickle(tensors: [string, PickledTensor][]): Uint8Array {
  const w = new PickleWriter().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().mark();
  for (const [key, t] of tensors) {
    w.str(key).global("torch._utils", "_rebuild_tensor_v2").mark();
    w.mark()
      .str("storage")
      .global("torch", STORAGE_CLASS[t.storageDtype])
      .str(t.storageKey)
      .str("cpu")
      .int(t.storageNumel)
      .tuple()
      .binpersid();
    w.int(t.offset).ints(t.shape).ints(t.stride).bool(false);
    w.global("collections", "OrderedDict").emptyTuple().reduce();
    w.tuple().reduce();
  }
  return w.setitems().stop().bytes();
}
