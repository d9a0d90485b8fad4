/**
 * PyTorch checkpoints in the zip format `torch.save` writes since torch 1.6: `<name>/data.pkl` (the
 * pickled state dict, read by the allowlisting unpickler) and one `<name>/data/<key>` entry per storage.
 * Entries are stored uncompressed and aligned to 64 bytes, so float32 tensors become views into the
 * input bytes; float16/bfloat16 are converted to float32 and non-contiguous tensors are copied.
 *
 * Every entry is CRC-checked by the zip reader. A tensor's shape, strides and offset are checked against
 * its storage before anything is allocated, a storage's size must be exactly what its entry holds, and an
 * archive storage no tensor uses is refused (torch never writes one: it means the pickle was damaged).
 */
import { DTYPE_SIZE, decodeElements } from "./dtypes.js";
import { WeightsError } from "./errors.js";
import { PyDict, PyGlobal, PyTuple, STORAGE_DTYPES, TORCH_DTYPES, isTensorRef, repr, unpickle } from "./pickle.js";
import type { StorageRef, TensorRef } from "./pickle.js";
import type { StateDict, StateDictTensor } from "./state-dict.js";
import { ZipArchive } from "./zip.js";

/** First bytes of a legacy (torch < 1.6) checkpoint: PROTO 2, LONG1 with torch's magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function isLegacyTorchFile(bytes: Uint8Array): boolean {
  return bytes.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => bytes[i] === b);
}

/** Read a `.pth` state dict. `source` names the file in errors. */
export function readPth(bytes: Uint8Array, source = "checkpoint.pth"): StateDict {
  if (isLegacyTorchFile(bytes)) {
    throw new WeightsError(
      `${source} is a PyTorch checkpoint in the legacy (torch < 1.6, non-zip) format, which attnscope does not read; ` +
        "re-save it with a recent torch (torch.save(torch.load(path), path)) or convert it to safetensors",
      source,
    );
  }
  const zip = new ZipArchive(bytes, source);
  const pklName = [...zip.entries.keys()].find((n) => n === "data.pkl" || /^[^/]+\/data\.pkl$/.test(n));
  if (!pklName) {
    throw new WeightsError(`${source}: not a PyTorch checkpoint: the zip has no "<name>/data.pkl" entry`, source);
  }
  const prefix = pklName.slice(0, pklName.length - "data.pkl".length);
  const byteorder = zip.entries.has(`${prefix}byteorder`)
    ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim()
    : "little";
  if (byteorder !== "little")
    throw new WeightsError(
      `${source}: storages are ${repr(byteorder)}-endian; only little-endian is supported`,
      source,
    );

  const storages = new Map<string, StorageRef>();
  const root = unpickle(zip.read(pklName, "the pickled state dict"), {
    source,
    persistentLoad: (pid) => {
      if (!(pid instanceof PyTuple) || pid.items[0] !== "storage" || pid.items.length < 5) {
        throw new WeightsError(
          `${source}: unsupported persistent id ${repr(pid)} in data.pkl (expected ('storage', type, key, location, numel))`,
          source,
        );
      }
      const [, type, key, location, numel] = pid.items;
      const qual = type instanceof PyGlobal ? type.qualname : "";
      const dtype = STORAGE_DTYPES[qual] ?? TORCH_DTYPES[qual];
      if (!dtype)
        throw new WeightsError(`${source}: storage ${repr(key)} has unsupported type ${qual || repr(type)}`, source);
      if (
        typeof key !== "string" ||
        key === "" ||
        typeof numel !== "number" ||
        !Number.isSafeInteger(numel) ||
        numel < 0
      ) {
        throw new WeightsError(
          `${source}: malformed storage reference ${repr(pid)} (expected a key string and a element count)`,
          source,
        );
      }
      const earlier = storages.get(key);
      if (earlier && (earlier.dtype !== dtype || earlier.numel !== numel)) {
        throw new WeightsError(
          `${source}: storage "${key}" is declared twice, as ${earlier.numel} ${earlier.dtype} and as ${numel} ${dtype}: the pickle is corrupted`,
          source,
        );
      }
      const ref: StorageRef = earlier ?? {
        kind: "storage",
        key,
        dtype,
        numel,
        location: typeof location === "string" ? location : repr(location),
      };
      storages.set(key, ref);
      return ref;
    },
  });

  const dict = findStateDict(root, source);
  const out: StateDict = new Map();
  const storageBytes = new Map<string, Uint8Array>();
  // Every check first (keys, types, each storage's CRC-32, unused storages), then the tensors: a damaged file
  // costs no conversion or copy.
  const views: [string, TensorRef, Uint8Array][] = [];
  for (const [key, value] of dict.map) {
    if (typeof key !== "string")
      throw new WeightsError(`${source}: state dict key ${repr(key)} is not a string`, source);
    if (key === "") throw new WeightsError(`${source}: the state dict has an empty key`, source);
    if (!isTensorRef(value)) {
      throw new WeightsError(
        `${source}: "${key}" is a ${repr(value)}, not a tensor; a state dict maps names to tensors`,
        source,
        key,
      );
    }
    const s = value.storage;
    let raw = storageBytes.get(s.key);
    if (!raw) {
      const entry = `${prefix}data/${s.key}`;
      if (!zip.entries.has(entry)) {
        throw new WeightsError(
          `${source}: storage entry "${entry}" for "${key}" is missing from the archive`,
          source,
          key,
        );
      }
      raw = zip.read(entry, `the storage of "${key}"`);
      storageBytes.set(s.key, raw);
    }
    views.push([key, value, raw]);
  }
  for (const name of zip.entries.keys()) {
    if (name.startsWith(`${prefix}data/`) && !storageBytes.has(name.slice(prefix.length + 5))) {
      throw new WeightsError(
        `${source}: corrupted: the archive holds storage "${name}" but no tensor of the state dict uses it`,
        source,
      );
    }
  }
  for (const [key, ref, raw] of views) out.set(key, materialize(ref, raw, source, key));
  return out;
}

/** The state dict itself, or the one inside a training checkpoint's `state_dict`/`model` entry. */
function findStateDict(root: unknown, source: string): PyDict {
  if (!(root instanceof PyDict))
    throw new WeightsError(`${source}: the checkpoint holds ${repr(root)}, not a state dict`, source);
  const allTensors = (d: PyDict) => [...d.map.values()].every(isTensorRef);
  if (allTensors(root)) return root;
  for (const k of ["state_dict", "model_state_dict", "model"]) {
    const inner = root.map.get(k);
    if (inner instanceof PyDict && inner.map.size > 0 && allTensors(inner)) return inner;
  }
  const bad = [...root.map].find(([, v]) => !isTensorRef(v))!;
  throw new WeightsError(
    `${source}: not a state dict: ${repr(bad[0])} is ${repr(bad[1])}, not a tensor`,
    source,
    typeof bad[0] === "string" ? bad[0] : repr(bad[0]),
  );
}

/** How many times a stride-0 view may repeat its storage (counted from at least 1024 elements). */
const MAX_BROADCAST = 1024;

function materialize(t: TensorRef, raw: Uint8Array, source: string, key: string): StateDictTensor {
  const { storage, offset, shape, stride } = t;
  const size = DTYPE_SIZE[storage.dtype];
  const fail = (why: string): never => {
    throw new WeightsError(`${source}: tensor "${key}" ${why}`, source, key);
  };
  const view = `(shape [${shape.join(", ")}], stride [${stride.join(", ")}], offset ${offset})`;
  if (shape.length !== stride.length) fail(`has ${shape.length} sizes but ${stride.length} strides`);
  if (raw.length !== storage.numel * size) {
    fail(
      `declares a storage of ${storage.numel} ${storage.dtype} (${storage.numel * size} bytes) but "data/${storage.key}" holds ${raw.length} bytes: the file is corrupted`,
    );
  }
  // Every check happens before anything is allocated: a hostile shape must not reserve memory.
  let count = 1;
  for (const d of shape) count *= d;
  // A broadcast (stride-0) view may repeat its storage (torch saves expanded tensors so), but not by more than
  // MAX_BROADCAST: a few bytes must not declare gigabytes.
  if (count > MAX_BROADCAST * Math.max(storage.numel, 1024)) {
    fail(
      `${view} has ${count} elements but its storage "${storage.key}" only ${storage.numel}: a broadcast (stride-0) view far larger than its data`,
    );
  }
  let span = 0; // index of the last element, relative to offset
  if (count > 0) for (let d = 0; d < shape.length; d++) span += (shape[d] - 1) * stride[d];
  if (count > 0 && offset + span >= storage.numel) {
    fail(`${view} addresses element ${offset + span}, past its storage "${storage.key}" of ${storage.numel} elements`);
  }
  // Apart from broadcast (stride-0) dimensions, the elements of a saved tensor never alias one another: a view
  // whose strides overlap (only torch's as_strided makes one) would read the same numbers twice.
  const dims = shape
    .map((n, d) => ({ n, s: stride[d] }))
    .filter((x) => x.n > 1 && x.s > 0)
    .sort((a, b) => a.s - b.s);
  let reach = 0; // furthest element the dimensions with smaller strides reach
  for (const { n, s } of dims) {
    if (s <= reach)
      fail(`${view} has overlapping strides: its elements alias one another, which a saved tensor's never do`);
    reach += s * (n - 1);
  }
  const contiguous = isContiguous(shape, stride);
  const covered = count === 0 ? 0 : span + 1;
  const region = raw.subarray(offset * size, (offset + (contiguous ? count : covered)) * size);
  const decoded = decodeElements(region, storage.dtype, contiguous ? count : covered);
  if (contiguous) return { dtype: storage.dtype, shape: [...shape], data: decoded };

  // Strided view: gather into a fresh row-major array of the same type.
  const out = new (decoded.constructor as new (n: number) => typeof decoded)(count);
  const idx = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let i = 0; i < count; i++) {
    (out as unknown as Record<number, unknown>)[i] = decoded[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { dtype: storage.dtype, shape: [...shape], data: out };
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}
