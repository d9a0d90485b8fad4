/**
 * Writes a random model with a given TransformerLens config, by default the full-size ARENA config
 * (768/12/64, 2 layers, n_ctx 2048, d_vocab 50278: 83.5M parameters, ~334 MB in float32), as
 * `config.json` + `model.safetensors` (or `model.pth`) in a folder. Values are seeded uniform noise with
 * TransformerLens's initializer std (0.8/sqrt(d_model)). Memory-conscious: the header is built first,
 * then each tensor is generated and written in 4 MB chunks, so at most one chunk is in memory.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import path from "node:path";
import { resolveConfig } from "../../src/config.js";
import type { HookedTransformerConfigInput } from "../../src/config.js";
import { KNOWN_MODELS } from "../../src/registry/known-models.js";
import { encodeTensorData, safetensorsLayout } from "../../src/weights/safetensors.js";
import { expectedStateDict } from "../../src/weights/load.js";
import type { StoredDType } from "../../src/weights/state-dict.js";
import { torchStateDictPickle } from "./pickle-writer.js";
import { FdSink, ZipWriter } from "./torch-zip.js";

export interface RandomModelOptions {
  seed?: number;
  /** Floating dtype of the weights in the file (default float32). */
  dtype?: "float32" | "float16" | "bfloat16";
  format?: "safetensors" | "pth";
  /** Include TransformerLens's `mask` and `IGNORE` buffers (default false, like a 334 MB fp32 file). */
  buffers?: boolean;
  /** Config to use instead of the full-size ARENA config. */
  config?: HookedTransformerConfigInput;
}

export interface RandomModelFiles {
  configPath: string;
  weightsPath: string;
  /** Size of the weights file in bytes. */
  bytes: number;
}

const CHUNK = 1 << 20; // elements per generated chunk

/** mulberry32: a small, fast, seedable PRNG with uniform output in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

interface TensorPlan {
  key: string;
  dtype: StoredDType;
  shape: number[];
  /** Fills `out` with elements [start, start + out.length) of the tensor. */
  fill: (out: Float32Array, start: number) => void;
}

function planTensors(
  cfgInput: HookedTransformerConfigInput,
  seed: number,
  dtype: StoredDType,
  buffers: boolean,
): TensorPlan[] {
  const cfg = resolveConfig(cfgInput);
  const std = cfg.initializer_range;
  return expectedStateDict(cfg)
    .filter((e) => buffers || !e.optional)
    .map((e) => {
      if (e.key.endsWith(".mask")) {
        const n = cfg.n_ctx;
        return {
          key: e.key,
          dtype: "bool",
          shape: e.shape,
          fill: (out, start) => {
            for (let j = 0; j < out.length; j++) {
              const q = start + j;
              out[j] = q % n <= Math.floor(q / n) ? 1 : 0;
            }
          },
        };
      }
      if (e.key.endsWith(".IGNORE")) return { key: e.key, dtype, shape: e.shape, fill: (out) => out.fill(-Infinity) };
      const isBias = /\.b_\w+$/.test(e.key);
      const a = (isBias ? std / 4 : std) * Math.sqrt(3); // uniform on [-a, a] has std a/sqrt(3)
      const rand = mulberry32(seed * 1000003 + hashString(e.key)); // per key: same values with or without buffers
      return {
        key: e.key,
        dtype,
        shape: e.shape,
        fill: (out) => {
          for (let j = 0; j < out.length; j++) out[j] = (2 * rand() - 1) * a;
        },
      };
    });
}

function* chunks(t: TensorPlan): Generator<Uint8Array> {
  const n = t.shape.reduce((x, y) => x * y, 1);
  const buf = new Float32Array(Math.min(CHUNK, Math.max(n, 1)));
  for (let start = 0; start < n; start += CHUNK) {
    const part = buf.subarray(0, Math.min(CHUNK, n - start));
    t.fill(part, start);
    yield encodeTensorData(t.key, { dtype: t.dtype, shape: [part.length], data: part });
  }
}

/** Write config.json and the weights of a random model into `dir` (created if needed). */
export function writeRandomModel(dir: string, opts: RandomModelOptions = {}): RandomModelFiles {
  const config = opts.config ?? KNOWN_MODELS["attn-only-2l-half"].config;
  const format = opts.format ?? "safetensors";
  const plans = planTensors(config, opts.seed ?? 0, opts.dtype ?? "float32", opts.buffers ?? false);
  mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const weightsPath = path.join(dir, format === "pth" ? "model.pth" : "model.safetensors");
  const fd = openSync(weightsPath, "w");
  const sink = new FdSink(fd);
  try {
    if (format === "safetensors") {
      const layout = safetensorsLayout(
        plans.map((p) => [p.key, p]),
        { format: "pt" },
      );
      sink.write(layout.header);
      for (const p of plans) for (const c of chunks(p)) sink.write(c);
    } else {
      const size = (p: TensorPlan) =>
        p.shape.reduce((x, y) => x * y, 1) * (p.dtype === "float32" ? 4 : p.dtype === "bool" ? 1 : 2);
      const pkl = torchStateDictPickle(
        plans.map((p, i) => [
          p.key,
          {
            storageKey: String(i),
            storageDtype: p.dtype,
            storageNumel: p.shape.reduce((x, y) => x * y, 1),
            offset: 0,
            shape: p.shape,
            stride: p.shape.map((_, d) => p.shape.slice(d + 1).reduce((x, y) => x * y, 1)),
          },
        ]),
      );
      const zip = new ZipWriter(sink);
      zip.add("model/data.pkl", pkl.length, [pkl]);
      plans.forEach((p, i) => zip.add(`model/data/${i}`, size(p), chunks(p)));
      const version = new TextEncoder().encode("3\n");
      zip.add("model/version", version.length, [version]);
      zip.finish();
    }
  } finally {
    closeSync(fd);
  }
  return { configPath, weightsPath, bytes: sink.position };
}

/** The full-size ARENA-config random model (see `writeRandomModel`). */
export function writeRandomFullSizeModel(dir: string, opts: Omit<RandomModelOptions, "config"> = {}): RandomModelFiles {
  return writeRandomModel(dir, opts);
}
