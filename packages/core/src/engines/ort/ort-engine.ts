/**
 * The onnxruntime engine: a loaded model exported by `exportOnnx` and run by onnxruntime (see load-ort.ts for
 * which). Each set of outputs gets its own graph and session, built on first use and cached; the least
 * recently used is released beyond `maxSessions` (each session holds its own copy of the weights).
 *
 * Dimension legend: B batch, T positions, H n_heads, V d_vocab_out.
 */
import type { HookedTransformer } from "../../model/hooked-transformer.js";
import { ActivationCache } from "../../model/activation-cache.js";
import { nameMatcher } from "../../model/run-context.js";
import { Tensor } from "../../tensor.js";
import { validateTokenBatch } from "../../tokenizer/tokens.js";
import type { Engine, EngineOutputs, EngineResult } from "../engine.js";
import { exportOnnx, onnxHookPoints } from "../onnx/export-onnx.js";
import { loadOrt, type LoadOrtOptions, type OrtSession } from "./load-ort.js";

export interface OrtEngineOptions extends LoadOrtOptions {
  /** Weights in the graphs: float16 halves the sessions' memory and moves results by fp16 rounding. @default "float32" */
  dtype?: "float32" | "float16";
  /** Sessions kept open at once. @default 2 */
  maxSessions?: number;
}

/** One graph's outputs: hook points in firing order, then logits and loss. */
interface GraphPlan {
  hooks: string[];
  logits: boolean;
  loss: boolean;
}

/** The backends that run every hook point (named in errors about the ones a graph lacks). */
export const IN_PROCESS_BACKENDS = `the in-process backends ("kernels", "ts")`;

function toRows(tokens: Int32Array | readonly number[] | readonly (readonly number[])[]): number[][] {
  if (tokens instanceof Int32Array) return [Array.from(tokens)];
  if (tokens.length > 0 && typeof tokens[0] !== "number")
    return (tokens as readonly (readonly number[])[]).map((r) => [...r]);
  return [[...(tokens as readonly number[])]];
}

/** An engine running `model` on onnxruntime; `status.name` says which runtime and provider. */
export async function createOrtEngine(model: HookedTransformer, opts: OrtEngineOptions = {}): Promise<Engine> {
  const loaded = await loadOrt(opts);
  const { ort } = loaded;
  const maxSessions = opts.maxSessions ?? 2;
  if (!Number.isInteger(maxSessions) || maxSessions < 1)
    throw new RangeError(`maxSessions must be a positive integer, got ${JSON.stringify(opts.maxSessions)}`);
  const cfg = model.cfg;
  const patternNames = model.hookPoints.filter((n) => n.endsWith(".attn.hook_pattern"));
  const exportable = new Set(onnxHookPoints(model));
  /** Insertion order is recency: a hit moves its entry to the end. */
  const sessions = new Map<string, Promise<OrtSession>>();

  const plan = (outputs: EngineOutputs): GraphPlan => {
    let cacheNames: string[] = [];
    if (outputs.cache !== undefined) {
      const matches = nameMatcher(outputs.cache);
      cacheNames = model.hookPoints.filter(matches);
      const asked =
        typeof outputs.cache === "string" ? [outputs.cache] : Array.isArray(outputs.cache) ? outputs.cache : [];
      const unknown = (asked as readonly string[]).find((n) => !model.hookPoints.includes(n));
      if (unknown !== undefined) {
        throw new RangeError(`the ort engine: "${unknown}" is not a hook point of this model`);
      }
    }
    const hooks = [...new Set([...cacheNames, ...(outputs.patterns ? patternNames : [])])];
    const missing = hooks.find((n) => !exportable.has(n));
    if (missing !== undefined) {
      throw new RangeError(
        `the ort engine cannot serve hook "${missing}": its ONNX graph has no such output; ${IN_PROCESS_BACKENDS} can`,
      );
    }
    const ordered = model.hookPoints.filter((n) => hooks.includes(n));
    return { hooks: ordered, logits: Boolean(outputs.logits), loss: Boolean(outputs.loss) };
  };

  const session = (p: GraphPlan): Promise<OrtSession> => {
    const key = JSON.stringify(p);
    const hit = sessions.get(key);
    if (hit) {
      sessions.delete(key);
      sessions.set(key, hit);
      return hit;
    }
    const what = `the ONNX export of ${cfg.model_name || "the model"} (outputs ${[...p.hooks, ...(p.logits ? ["logits"] : []), ...(p.loss ? ["loss"] : [])].join(", ")})`;
    // Beyond maxSessions the least recently used is released first, so no more than maxSessions copies of the
    // weights are ever held at once.
    const evicted: Promise<void>[] = [];
    while (sessions.size >= maxSessions) {
      const [oldest, old] = sessions.entries().next().value!;
      sessions.delete(oldest);
      evicted.push(old.then((x) => x.release()).catch(() => {}));
    }
    const created = (async () => {
      await Promise.all(evicted);
      const { bytes } = await exportOnnx(model, {
        outputs: p.hooks,
        logits: p.logits,
        loss: p.loss,
        dtype: opts.dtype,
      });
      try {
        return await ort.InferenceSession.create(bytes, loaded.sessionOptions);
      } catch (e) {
        throw new Error(
          `${loaded.name} could not create a session for ${what}: ${e instanceof Error ? e.message : String(e)}`,
          {
            cause: e,
          },
        );
      }
    })();
    // A failed creation is not cached: the next run tries again (and reports again).
    created.catch(() => sessions.delete(key));
    sessions.set(key, created);
    return created;
  };

  const anything = (o: EngineOutputs) => o.patterns || o.logits || o.loss || o.cache !== undefined;

  return {
    status: { name: loaded.name, warning: loaded.warning },
    async prepare(outputs) {
      if (anything(outputs)) await session(plan(outputs));
    },
    async run(tokens, outputs) {
      if (!anything(outputs)) throw new RangeError("the ort engine: ask for patterns, logits, loss or a cache");
      const rows = toRows(tokens);
      validateTokenBatch(rows, cfg.d_vocab, cfg.n_ctx);
      const p = plan(outputs);
      const s = await session(p);
      const [B, T] = [rows.length, rows[0].length];
      const ids = new BigInt64Array(B * T);
      rows.forEach((r, b) => r.forEach((t, i) => (ids[b * T + i] = BigInt(t))));
      const out = await s.run({ tokens: new ort.Tensor("int64", ids, [B, T]) });
      const tensor = (name: string) => new Tensor(out[name].data as Float32Array, [...out[name].dims]);
      const result: EngineResult = {};
      if (outputs.patterns) result.patterns = patternNames.map(tensor);
      if (p.logits) result.logits = tensor("logits");
      if (p.loss) result.loss = tensor("loss");
      if (outputs.cache !== undefined) {
        const matches = nameMatcher(outputs.cache);
        const store = new Map(p.hooks.filter(matches).map((n) => [n, tensor(n)] as const));
        result.cache = new ActivationCache(store, true, model);
      }
      return result;
    },
    async dispose() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.then((x) => x.release()).catch(() => {})));
    },
  };
}
