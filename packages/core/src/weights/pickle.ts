/**
 * A pickle reader for PyTorch state dicts that executes nothing.
 *
 * It interprets the opcodes of pickle protocols 0-5, but a pickle can only name a Python global from a
 * short allowlist (OrderedDict, torch's tensor/parameter rebuild functions, storage classes, dtypes), and
 * the check happens when GLOBAL/STACK_GLOBAL/INST is read, before anything is built. REDUCE, NEWOBJ and
 * BUILD only apply to those allowlisted names, each implemented here in TypeScript; no other object can
 * be constructed. Storage references (persistent ids) are handed to the caller's `persistentLoad`.
 *
 * Work and memory are bounded by the file's size: every value built costs at least one opcode byte,
 * integers are capped at 64 bytes (decoded in linear time), MARKs nest at most MAX_DEPTH deep, nothing is
 * ever spread into a call, and nothing walks the result recursively. Memo references make the result a
 * graph, which can share one object exponentially many times ("billion laughs"): every printed form
 * (`repr`, `String(v)`, `JSON.stringify(v)`, error messages) is cut to a fixed budget, and the graph is
 * checked for cycles (a list holding itself), which are refused by name.
 */
import { WeightsError } from "./errors.js";
import type { StoredDType } from "./state-dict.js";

/** A Python tuple (kept distinct from a list, which is a plain array). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
  toString(): string {
    return repr(this);
  }
  toJSON(): string {
    return repr(this);
  }
}

/** A dict or OrderedDict, in insertion order. `attrs` holds what BUILD set (torch's `_metadata`). */
export class PyDict {
  readonly map = new Map<unknown, unknown>();
  attrs: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  toString(): string {
    return repr(this);
  }
  toJSON(): string {
    return repr(this);
  }
}

/** A reference to an allowlisted global, e.g. `torch.FloatStorage`. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
  toString(): string {
    return this.qualname;
  }
  toJSON(): string {
    return this.qualname;
  }
}

/** How deep MARKs may nest: a state dict's pickle nests a handful of levels. */
export const MAX_DEPTH = 1000;
/** Largest integer a pickle may hold, in bytes (torch's legacy magic number is 10). */
const MAX_INT_BYTES = 64;
/** Longest printed form of a value, in characters, and most values visited to print it. */
const REPR_CHARS = 120;
const REPR_NODES = 64;

class Literal {
  constructor(readonly text: string) {}
}

/**
 * A short Python-like rendering of a pickled value for messages, whatever its size or sharing: at most
 * REPR_CHARS characters and REPR_NODES values visited, without recursion.
 */
export function repr(v: unknown): string {
  let out = "";
  let nodes = 0;
  // A work list of values still to print and literal text, processed front to back.
  const todo: unknown[] = [v];
  const lit = (s: string) => new Literal(s);
  while (todo.length && out.length <= REPR_CHARS) {
    const x = todo.shift();
    if (x instanceof Literal) {
      out += x.text;
      continue;
    }
    if (++nodes > REPR_NODES) {
      out += "…";
      break;
    }
    const seq = (open: string, items: readonly unknown[], close: string) => {
      const shown = items.slice(0, 8);
      const parts: unknown[] = [lit(open)];
      shown.forEach((it, i) => parts.push(...(i ? [lit(", ")] : []), it));
      if (items.length > shown.length) parts.push(lit(`, … (${items.length} items)`));
      parts.push(lit(close));
      todo.unshift(...parts);
    };
    if (x instanceof PyTuple) seq("(", x.items, x.items.length === 1 ? ",)" : ")");
    else if (Array.isArray(x)) seq("[", x, "]");
    else if (x instanceof PyDict) {
      const pairs = [...x.map].slice(0, 8);
      const parts: unknown[] = [lit("{")];
      pairs.forEach(([k, val], i) => parts.push(...(i ? [lit(", ")] : []), k, lit(": "), val));
      if (x.map.size > pairs.length) parts.push(lit(`, … (${x.map.size} items)`));
      parts.push(lit("}"));
      todo.unshift(...parts);
    } else if (x instanceof PyGlobal) out += x.qualname;
    else if (typeof x === "string") out += JSON.stringify(x.length > REPR_CHARS ? `${x.slice(0, REPR_CHARS)}…` : x);
    else if (typeof x === "bigint") out += x.toString().length > 40 ? "a very large integer" : x.toString();
    else if (x === null || x === undefined) out += "None";
    else if (x === true || x === false) out += x ? "True" : "False";
    else if (x instanceof Uint8Array) out += `bytes of length ${x.length}`;
    else if (isTensorRef(x)) out += `tensor of shape [${x.shape.slice(0, 8).join(", ")}]`;
    else if (isStorageRef(x)) out += `storage ${JSON.stringify(String(x.key).slice(0, 40))}`;
    else if (typeof x === "number") out += String(x);
    else out += typeof x;
  }
  return out.length > REPR_CHARS ? `${out.slice(0, REPR_CHARS)}…` : out;
}

/** A torch storage named by a persistent id: its entry in the archive, element type and length. */
export interface StorageRef {
  kind: "storage";
  key: string;
  dtype: StoredDType;
  numel: number;
  location: string;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage. */
export interface TensorRef {
  kind: "tensor";
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

/** Storage classes and the element type they hold. */
export const STORAGE_DTYPES: Record<string, StoredDType> = {
  "torch.FloatStorage": "float32",
  "torch.HalfStorage": "float16",
  "torch.BFloat16Storage": "bfloat16",
  "torch.DoubleStorage": "float64",
  "torch.BoolStorage": "bool",
  "torch.LongStorage": "int64",
  "torch.IntStorage": "int32",
  "torch.ShortStorage": "int16",
  "torch.CharStorage": "int8",
  "torch.ByteStorage": "uint8",
  "torch.UntypedStorage": "uint8",
  "torch.storage.UntypedStorage": "uint8",
};

/** torch dtype objects (newer torch can name a dtype next to an untyped storage). */
export const TORCH_DTYPES: Record<string, StoredDType> = {
  "torch.float32": "float32",
  "torch.float": "float32",
  "torch.float16": "float16",
  "torch.half": "float16",
  "torch.bfloat16": "bfloat16",
  "torch.float64": "float64",
  "torch.double": "float64",
  "torch.bool": "bool",
  "torch.int64": "int64",
  "torch.long": "int64",
  "torch.int32": "int32",
  "torch.int": "int32",
  "torch.int16": "int16",
  "torch.short": "int16",
  "torch.int8": "int8",
  "torch.uint8": "uint8",
};

const FUNCTIONS = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  "torch._tensor._rebuild_from_type_v2",
  "torch.Size",
  "_codecs.encode",
]);
/** Types that `_rebuild_from_type_v2` may name as the tensor's class; they are markers, never called. */
const TENSOR_TYPES = new Set(["torch.Tensor", "torch.nn.parameter.Parameter", "torch.nn.Parameter"]);

export function isAllowedGlobal(qualname: string): boolean {
  return (
    FUNCTIONS.has(qualname) || qualname in STORAGE_DTYPES || qualname in TORCH_DTYPES || TENSOR_TYPES.has(qualname)
  );
}

export interface UnpickleOptions {
  /** Names the file in errors. */
  source?: string;
  /** Resolves a BINPERSID/PERSID id (torch: `('storage', StorageClass, key, location, numel)`). */
  persistentLoad?: (pid: unknown) => unknown;
}

const MARK = Symbol("mark");

/** Run the pickle in `bytes` and return its top-level value. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions = {}): unknown {
  const source = opts.source ?? "pickle";
  const fail = (why: string): never => {
    throw new WeightsError(`${source}: ${why}`, source);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`pickle data ends unexpectedly at byte ${pos} (truncated)`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} at byte ${pos - 8} exceeds the pickle`);
    return Number(v);
  };
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`pickle data ends inside a text line at byte ${pos} (truncated)`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const str = (b: Uint8Array) => {
    try {
      return utf8.decode(b);
    } catch {
      return fail(`invalid UTF-8 string at byte ${pos}`);
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail(`pickle stack underflow at byte ${pos}`);
    const v = stack.pop();
    if (v === MARK) fail(`unexpected MARK at byte ${pos}`);
    return v;
  };
  const top = () => {
    if (stack.length === 0) fail(`pickle stack underflow at byte ${pos}`);
    return stack[stack.length - 1];
  };
  // Note: never write `stack.push(...popMark()...)`: `stack` would be read before popMark replaces it.
  const popMark = () => {
    const items = stack;
    if (metastack.length === 0) fail(`no MARK on the stack at byte ${pos}`);
    stack = metastack.pop()!;
    return items;
  };
  const resolveGlobal = (module: string, name: string) => {
    const qualname = `${module}.${name}`;
    if (!isAllowedGlobal(qualname)) {
      fail(`refusing to load: the pickle names the global '${qualname}', which a state dict never needs`);
    }
    return new PyGlobal(module, name);
  };
  const longFromBytes = (b: Uint8Array, at: number): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > MAX_INT_BYTES)
      fail(
        `an integer of ${b.length} bytes at byte ${at}: larger than a state dict ever holds (at most ${MAX_INT_BYTES})`,
      );
    // Hex digits, most significant first: one linear BigInt parse instead of a shift per byte.
    let hexDigits = "";
    for (let i = b.length - 1; i >= 0; i--) hexDigits += b[i].toString(16).padStart(2, "0");
    let v = BigInt(`0x${hexDigits}`);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  };
  const parseIntText = (s: string): number | bigint | boolean => {
    const t = s.trim().replace(/L$/, "");
    if (s === "00") return false;
    if (s === "01") return true;
    if (t.length > 2 * MAX_INT_BYTES)
      fail(`an integer of ${t.length} digits at byte ${pos}: larger than a state dict ever holds`);
    if (!/^[-+]?\d+$/.test(t)) fail(`bad integer ${repr(s)} at byte ${pos}`);
    const v = BigInt(t);
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  };
  const setItem = (d: unknown, k: unknown, v: unknown) => {
    if (!(d instanceof PyDict)) fail(`SETITEM on a ${describe(d)}, not a dict, at byte ${pos}`);
    (d as PyDict).map.set(k, v);
  };
  const call = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof PyGlobal)) return fail(`REDUCE on a ${describe(fn)}, which is not an allowlisted function`);
    if (!(args instanceof PyTuple)) return fail(`REDUCE arguments for ${fn.qualname} are not a tuple`);
    return applyGlobal(fn, args.items, fail);
  };

  /** Append without spreading (a spread of 200k items overflows the call stack). */
  const extend = (into: unknown[], items: unknown[]) => {
    for (let i = 0; i < items.length; i++) into.push(items[i]);
  };

  if (bytes.length === 0) fail("empty pickle");
  try {
    const result = run();
    checkAcyclic(result, fail);
    return result;
  } catch (e) {
    if (e instanceof WeightsError) throw e;
    // A guard above was missed: still a clear error about this file, never a crash deep inside.
    return fail(
      `unreadable pickle (${e instanceof RangeError ? "too large or too deeply nested" : (e as Error).message})`,
    );
  }

  function run(): unknown {
    for (;;) {
      const at = pos;
      const op = u8();
      switch (op) {
        case 0x80: {
          // PROTO
          const v = u8();
          if (v > 5) fail(`pickle protocol ${v} is not supported (at most 5)`);
          break;
        }
        case 0x95:
          u64();
          break; // FRAME: framing is only a read-ahead hint
        case 0x2e: {
          // STOP
          const v = pop();
          if (stack.length || metastack.length) fail(`pickle stops with ${stack.length} values left on the stack`);
          return v;
        }
        case 0x28: // MARK
          if (metastack.length >= MAX_DEPTH)
            fail(`MARKs nested more than ${MAX_DEPTH} deep at byte ${at}: far deeper than a state dict`);
          metastack.push(stack);
          stack = [];
          break;
        case 0x30:
          pop();
          break; // POP
        case 0x31:
          popMark();
          break; // POP_MARK
        case 0x32:
          stack.push(top());
          break; // DUP
        // --- constants ---
        case 0x4e:
          stack.push(null);
          break; // NONE
        case 0x88:
          stack.push(true);
          break; // NEWTRUE
        case 0x89:
          stack.push(false);
          break; // NEWFALSE
        case 0x4b:
          stack.push(u8());
          break; // BININT1
        case 0x4d:
          stack.push(u16());
          break; // BININT2
        case 0x4a:
          stack.push(i32());
          break; // BININT
        case 0x49:
          stack.push(parseIntText(line()));
          break; // INT
        case 0x4c:
          stack.push(parseIntText(line()));
          break; // LONG
        case 0x8a:
          stack.push(longFromBytes(take(u8()), at));
          break; // LONG1
        case 0x8b: {
          // LONG4
          const n = i32();
          if (n < 0) fail(`negative LONG4 length at byte ${at}`);
          if (n > MAX_INT_BYTES)
            fail(
              `an integer of ${n} bytes at byte ${at}: larger than a state dict ever holds (at most ${MAX_INT_BYTES})`,
            );
          stack.push(longFromBytes(take(n), at));
          break;
        }
        case 0x47:
          stack.push((need(8), (pos += 8), view.getFloat64(pos - 8, false)));
          break; // BINFLOAT (big-endian)
        case 0x46: {
          // FLOAT
          const s = line().trim();
          const v = Number(s);
          if (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)) fail(`bad float ${repr(s)} at byte ${at}`);
          stack.push(v);
          break;
        }
        // --- strings and bytes ---
        case 0x58:
          stack.push(str(take(u32())));
          break; // BINUNICODE
        case 0x8c:
          stack.push(str(take(u8())));
          break; // SHORT_BINUNICODE
        case 0x8d:
          stack.push(str(take(u64())));
          break; // BINUNICODE8
        case 0x56: {
          // UNICODE (raw-unicode-escape: latin1 bytes plus \uXXXX and \UXXXXXXXX escapes)
          const s = line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, h4, h8) =>
            String.fromCodePoint(parseInt(h4 ?? h8, 16)),
          );
          stack.push(s);
          break;
        }
        case 0x55:
          stack.push(latin1.decode(take(u8())));
          break; // SHORT_BINSTRING (py2 str)
        case 0x54: {
          // BINSTRING
          const n = i32();
          if (n < 0) fail(`negative BINSTRING length at byte ${at}`);
          stack.push(latin1.decode(take(n)));
          break;
        }
        case 0x53: {
          // STRING: a quoted repr
          const s = line().trim();
          if (s.length < 2 || s[0] !== s[s.length - 1] || (s[0] !== "'" && s[0] !== '"'))
            fail(`bad STRING at byte ${at}`);
          stack.push(s.slice(1, -1));
          break;
        }
        case 0x43:
          stack.push(take(u8()).slice());
          break; // SHORT_BINBYTES
        case 0x42:
          stack.push(take(u32()).slice());
          break; // BINBYTES
        case 0x8e:
          stack.push(take(u64()).slice());
          break; // BINBYTES8
        case 0x96:
          stack.push(take(u64()).slice());
          break; // BYTEARRAY8
        case 0x97:
          fail(`out-of-band buffers (NEXT_BUFFER at byte ${at}) are not supported`);
          break;
        case 0x98:
          break; // READONLY_BUFFER: no-op on the value
        // --- containers ---
        case 0x29:
          stack.push(new PyTuple([]));
          break; // EMPTY_TUPLE
        case 0x74: {
          const items = popMark();
          stack.push(new PyTuple(items));
          break;
        } // TUPLE
        case 0x85:
          stack.push(new PyTuple([pop()]));
          break; // TUPLE1
        case 0x86: {
          const b = pop();
          const a = pop();
          stack.push(new PyTuple([a, b]));
          break;
        } // TUPLE2
        case 0x87: {
          const c = pop();
          const b = pop();
          const a = pop();
          stack.push(new PyTuple([a, b, c]));
          break;
        } // TUPLE3
        case 0x5d:
          stack.push([]);
          break; // EMPTY_LIST
        case 0x6c: {
          const items = popMark();
          stack.push(items);
          break;
        } // LIST
        case 0x61: {
          const v = pop();
          const l = top();
          if (!Array.isArray(l)) fail(`APPEND to a ${describe(l)} at byte ${at}`);
          (l as unknown[]).push(v);
          break;
        }
        case 0x65: {
          const items = popMark();
          const l = top();
          if (!Array.isArray(l)) fail(`APPENDS to a ${describe(l)} at byte ${at}`);
          extend(l as unknown[], items);
          break;
        }
        case 0x7d:
          stack.push(new PyDict());
          break; // EMPTY_DICT
        case 0x64: {
          // DICT
          const items = popMark();
          const d = new PyDict();
          for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i], items[i + 1]);
          stack.push(d);
          break;
        }
        case 0x73: {
          const v = pop();
          const k = pop();
          setItem(top(), k, v);
          break;
        } // SETITEM
        case 0x75: {
          // SETITEMS
          const items = popMark();
          if (items.length % 2) fail(`SETITEMS with an odd number of items at byte ${at}`);
          const d = top();
          for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
          break;
        }
        case 0x8f:
          stack.push([]);
          break; // EMPTY_SET (kept as a list)
        case 0x90: {
          const items = popMark();
          const s = top();
          if (!Array.isArray(s)) fail(`ADDITEMS to a ${describe(s)} at byte ${at}`);
          extend(s as unknown[], items);
          break;
        }
        case 0x91: {
          const items = popMark();
          stack.push(items);
          break;
        } // FROZENSET
        // --- memo ---
        case 0x70:
          memo.set(Number(parseIntText(line())), top());
          break; // PUT
        case 0x71:
          memo.set(u8(), top());
          break; // BINPUT
        case 0x72:
          memo.set(u32(), top());
          break; // LONG_BINPUT
        case 0x94:
          memo.set(memo.size, top());
          break; // MEMOIZE
        case 0x67:
        case 0x68:
        case 0x6a: {
          // GET, BINGET, LONG_BINGET
          const k = op === 0x67 ? Number(parseIntText(line())) : op === 0x68 ? u8() : u32();
          if (!memo.has(k)) fail(`memo entry ${k} read before it was written (byte ${at})`);
          stack.push(memo.get(k));
          break;
        }
        // --- globals and objects: allowlist checked as soon as the name is read ---
        case 0x63: {
          const module = line();
          const name = line();
          stack.push(resolveGlobal(module, name));
          break;
        } // GLOBAL
        case 0x93: {
          // STACK_GLOBAL
          const name = pop();
          const module = pop();
          if (typeof module !== "string" || typeof name !== "string")
            fail(`STACK_GLOBAL with non-string names at byte ${at}`);
          stack.push(resolveGlobal(module as string, name as string));
          break;
        }
        case 0x69: {
          // INST module\nname\n: class instantiation from the MARK's items
          const module = line();
          const name = line();
          const g = resolveGlobal(module, name);
          const obj = applyGlobal(g, popMark(), fail);
          stack.push(obj);
          break;
        }
        case 0x6f: {
          // OBJ: class and args after MARK
          const items = popMark();
          if (items.length === 0) fail(`OBJ without a class at byte ${at}`);
          stack.push(call(items[0], new PyTuple(items.slice(1))));
          break;
        }
        case 0x82:
        case 0x83:
        case 0x84:
          fail(
            `refusing to load: the pickle uses the copyreg extension registry (EXT opcode at byte ${at}), which a state dict never needs`,
          );
          break;
        case 0x52: {
          const args = pop();
          const fn = pop();
          stack.push(call(fn, args));
          break;
        } // REDUCE
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args); only an empty OrderedDict (items follow via SETITEMS)
          pop();
          const cls = pop();
          if (!(cls instanceof PyGlobal) || cls.qualname !== "collections.OrderedDict")
            fail(`NEWOBJ of ${describe(cls)} is not supported (at byte ${at})`);
          stack.push(new PyDict());
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          pop();
          pop();
          const cls = pop();
          if (!(cls instanceof PyGlobal) || cls.qualname !== "collections.OrderedDict")
            fail(`NEWOBJ_EX of ${describe(cls)} is not supported (at byte ${at})`);
          stack.push(new PyDict());
          break;
        }
        case 0x62: {
          // BUILD: only attribute state on a dict (torch's `_metadata`) or a tensor
          const state = pop();
          const obj = top();
          if (obj instanceof PyDict && state instanceof PyDict) {
            for (const [k, v] of state.map) obj.attrs[String(k)] = v;
          } else if (!(isTensorRef(obj) && (state === null || state instanceof PyDict || state instanceof PyTuple))) {
            fail(`BUILD on a ${describe(obj)} is not supported (at byte ${at})`);
          }
          break;
        }
        case 0x51: {
          // BINPERSID
          const pid = pop();
          if (!opts.persistentLoad)
            fail(`the pickle references external data (BINPERSID at byte ${at}) but none is available`);
          stack.push(opts.persistentLoad!(pid));
          break;
        }
        case 0x50: {
          // PERSID
          const pid = line();
          if (!opts.persistentLoad)
            fail(`the pickle references external data (PERSID at byte ${at}) but none is available`);
          stack.push(opts.persistentLoad!(pid));
          break;
        }
        default:
          fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}`);
      }
    }
  }
}

/** The values a container holds directly (a dict: key, value, key, value, ..., then BUILD's attributes). */
function children(v: unknown): readonly unknown[] {
  if (v instanceof PyTuple) return v.items;
  if (Array.isArray(v)) return v;
  if (v instanceof PyDict) {
    const out: unknown[] = [];
    for (const [k, x] of v.map) out.push(k, x);
    for (const k of Object.keys(v.attrs)) out.push(v.attrs[k]);
    return out;
  }
  return [];
}

/** How a path names child `i` of `v` (only computed for the error message). */
function childLabel(v: unknown, i: number): string {
  if (!(v instanceof PyDict)) return `[${i}]`;
  const keys = [...v.map.keys()];
  if (i < 2 * keys.length) return i % 2 ? `[${repr(keys[(i - 1) / 2])}]` : `[${repr(keys[i / 2])}] (a key)`;
  return `.${Object.keys(v.attrs)[i - 2 * keys.length]}`;
}

const isContainer = (v: unknown) => v instanceof PyTuple || v instanceof PyDict || Array.isArray(v);

/**
 * Refuse a cyclic result by name. Depth-first without recursion, each container expanded once, so the
 * work is linear in the pickle's size even when memo references share one object many times.
 */
function checkAcyclic(root: unknown, fail: (why: string) => never): void {
  if (!isContainer(root)) return;
  const OPEN = 1;
  const DONE = 2;
  const state = new Map<unknown, number>([[root, OPEN]]);
  const nodes: unknown[] = [root];
  const kids: (readonly unknown[])[] = [children(root)];
  const next: number[] = [0];
  let top = 0;
  while (top >= 0) {
    const list = kids[top];
    let i = next[top];
    // Skip leaves and finished containers without touching the stack.
    let kid: unknown;
    let seen = 0;
    while (i < list.length) {
      kid = list[i++];
      if (kid !== null && typeof kid === "object" && isContainer(kid)) {
        seen = state.get(kid) ?? 0;
        if (seen !== DONE) break;
      }
      kid = undefined;
    }
    next[top] = i;
    if (kid === undefined) {
      state.set(nodes[top], DONE);
      top--;
      continue;
    }
    if (seen === OPEN) {
      const start = nodes.indexOf(kid);
      const label = (d: number) => childLabel(nodes[d], next[d] - 1);
      const path = nodes
        .slice(start, top + 1)
        .map((_, j) => label(start + j))
        .join("");
      const where = nodes
        .slice(0, start)
        .map((_, d) => label(d))
        .join("");
      fail(
        `refusing to load: a cycle: the ${describe(kid)} at ${where ? `top-level value${where}` : "top level"} contains itself (through ${path}); a state dict never holds cyclic structures`,
      );
    }
    state.set(kid, OPEN);
    top++;
    nodes[top] = kid;
    kids[top] = children(kid);
    next[top] = 0;
  }
}

export function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === "object" && v !== null && (v as TensorRef).kind === "tensor";
}

export function isStorageRef(v: unknown): v is StorageRef {
  return typeof v === "object" && v !== null && (v as StorageRef).kind === "storage";
}

function describe(v: unknown): string {
  if (v instanceof PyGlobal) return `'${v.qualname}'`;
  if (v instanceof PyTuple) return "tuple";
  if (v instanceof PyDict) return "dict";
  if (Array.isArray(v)) return "list";
  if (v === null) return "None";
  if (isTensorRef(v)) return "tensor";
  if (isStorageRef(v)) return "storage";
  return typeof v;
}

function intList(v: unknown, what: string, fail: (why: string) => never): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : fail(`${what} is not a tuple`);
  for (const x of items)
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0) fail(`${what} holds ${repr(x)}, not a size`);
  return items as number[];
}

function rebuildTensor(args: unknown[], fail: (why: string) => never): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!isStorageRef(storage)) fail(`_rebuild_tensor_v2 expects a storage, got a ${describe(storage)}`);
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) fail(`bad storage offset ${repr(offset)}`);
  return {
    kind: "tensor",
    storage: storage as StorageRef,
    offset: offset as number,
    shape: intList(size, "tensor size", fail),
    stride: intList(stride, "tensor stride", fail),
  };
}

/** The allowlisted callables, implemented without running anything from the file. */
function applyGlobal(g: PyGlobal, args: unknown[], fail: (why: string) => never): unknown {
  switch (g.qualname) {
    case "collections.OrderedDict": {
      const d = new PyDict();
      if (args.length > 0 && args[0] !== null) {
        const pairs = args[0];
        if (!Array.isArray(pairs)) fail(`OrderedDict(...) with a ${describe(pairs)} argument is not supported`);
        for (const p of pairs as unknown[]) {
          if (!(p instanceof PyTuple) || p.items.length !== 2) fail("OrderedDict(...) expects (key, value) pairs");
          d.map.set((p as PyTuple).items[0], (p as PyTuple).items[1]);
        }
      }
      return d;
    }
    case "torch._utils._rebuild_tensor":
    case "torch._utils._rebuild_tensor_v2":
    case "torch._utils._rebuild_tensor_v3":
      return rebuildTensor(args, fail);
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state":
      if (!isTensorRef(args[0])) fail(`_rebuild_parameter expects a tensor, got a ${describe(args[0])}`);
      return args[0];
    case "torch._tensor._rebuild_from_type_v2": {
      const [fn, type, fnArgs] = args;
      if (!(type instanceof PyGlobal) || !TENSOR_TYPES.has(type.qualname))
        fail(`_rebuild_from_type_v2 of type ${describe(type)} is not supported`);
      if (
        !(fn instanceof PyGlobal) ||
        !FUNCTIONS.has(fn.qualname) ||
        fn.qualname === "torch._tensor._rebuild_from_type_v2"
      ) {
        fail(`_rebuild_from_type_v2 with function ${describe(fn)} is not supported`);
      }
      if (!(fnArgs instanceof PyTuple)) fail("_rebuild_from_type_v2 arguments are not a tuple");
      return applyGlobal(fn as PyGlobal, (fnArgs as PyTuple).items, fail);
    }
    case "torch.Size":
      return new PyTuple(args[0] instanceof PyTuple ? args[0].items : Array.isArray(args[0]) ? args[0] : []);
    case "_codecs.encode": {
      // Protocol-2 pickles spell a bytes object as _codecs.encode(text, "latin1").
      const [text, encoding] = args;
      if (typeof text !== "string" || (encoding !== "latin1" && encoding !== "latin-1"))
        fail("_codecs.encode is only supported for latin1 bytes");
      return Uint8Array.from(text as string, (c) => c.charCodeAt(0));
    }
    default:
      return fail(`'${g.qualname}' cannot be called`);
  }
}
