/**
 * The mechanics every component of a forward pass shares: firing hook points (hooks, then the cache), keeping
 * activations for the next incremental run, taking buffers from the pool, and joining the previous run's rows
 * with this run's new ones. Components compute; this file decides what escapes, what is kept and what is reused.
 *
 * Dimension legend: B batch, T positions, R new rows per sequence (T − start), H n_heads.
 */
import type { Backend } from "../backend/backend.js";
import type { HookedTransformerConfig } from "../config.js";
import { Tensor, formatShape, shapeEquals } from "../tensor.js";
import { BufferPool } from "./buffer-pool.js";
import { hookLayer } from "./hook-names.js";
import { PrefixCache, joinAttention, joinRows } from "./prefix-cache.js";

/**
 * A forward hook, as in TransformerLens: receives the activation (with its batch axis) and the hook point;
 * return a Tensor of the same shape to replace the activation, or nothing to leave it.
 */
export type HookFn = (activation: Tensor, hook: HookPoint) => Tensor | void | undefined;

/** The hook point a hook function is called at (TransformerLens `HookPoint`). */
export interface HookPoint {
  /** Full hook name, e.g. `"blocks.1.attn.hook_pattern"`. */
  name: string;
  /** The block the hook point belongs to (`1` for `blocks.1.…`); throws for `hook_embed` / `hook_pos_embed`. */
  layer(): number;
}

export interface ActiveHook {
  matches: (name: string) => boolean;
  fn: HookFn;
}

/** Which hook points a hook or the cache applies to: a name, a list of names, or a predicate. */
export type NameFilter = string | readonly string[] | ((name: string) => boolean);

/** A name filter as a predicate. */
export function nameMatcher(filter: NameFilter): (name: string) => boolean {
  if (typeof filter === "function") return filter;
  if (typeof filter === "string") return (n) => n === filter;
  const set = new Set(filter);
  return (n) => set.has(n);
}

/** Whether prefix reuse may apply: "auto" reuses what it safely can; false computes every row. */
export type Incremental = "auto" | false;

/** What outlives one run: the last reusable run's activations and the buffers nothing outside holds. */
export class RunMemory {
  /** Reused state of the last single-sequence run without hooks, for incremental (append-only) runs. */
  prefix: PrefixCache | null = null;
  /** Buffers of intermediate activations nothing outside the model received, reused by later runs. */
  readonly pool = new BufferPool();
  /** Pooled buffers the current prefix cache holds: they go back to the pool when it lets go of them. */
  prefixOwned = new Set<Float32Array>();
}

/** A hook point is observed when a hook or the cache receives it. */
export function observedBy(
  hooks: readonly ActiveHook[],
  cacheFilter: ((name: string) => boolean) | null,
): (name: string) => boolean {
  return (name) => (cacheFilter !== null && cacheFilter(name)) || hooks.some((h) => h.matches(name));
}

export interface RunContextInit {
  cfg: HookedTransformerConfig;
  backend: Backend;
  batch: Int32Array[];
  hooks: readonly ActiveHook[];
  cacheFilter: ((name: string) => boolean) | null;
  memory: RunMemory;
  incremental: Incremental;
  /** The activations this run's plan joins from the previous run (see `RunPlan.joined`). */
  joined: readonly string[];
}

export class RunContext {
  readonly cfg: HookedTransformerConfig;
  readonly backend: Backend;
  private readonly batch: Int32Array[];
  readonly B: number;
  readonly T: number;
  /** First row computed: rows before it are the previous run's (0 when nothing is reused). */
  readonly start: number;
  /** New rows per sequence, T − start. */
  readonly R: number;
  /** New rows in all, B · R. */
  readonly NR: number;
  /** Activations the cache receives, by hook name. */
  readonly cache = new Map<string, Tensor>();
  readonly wanted: (name: string) => boolean;
  private readonly hooks: readonly ActiveHook[];
  private readonly cacheFilter: ((name: string) => boolean) | null;
  private readonly memory: RunMemory;
  private readonly prev: PrefixCache | null = null;
  /** One sequence, no hooks, incremental "auto": this run's activations may serve the next run. */
  private readonly reusable: boolean;
  private readonly state = new Map<string, Float32Array>();
  // Buffers taken from the pool for this run, and the arrays a hook or the cache received (never reused).
  private readonly owned = new Set<Float32Array>();
  private readonly escaped = new Set<Float32Array>();

  constructor(init: RunContextInit) {
    this.cfg = init.cfg;
    this.backend = init.backend;
    this.hooks = init.hooks;
    this.cacheFilter = init.cacheFilter;
    this.memory = init.memory;
    this.wanted = observedBy(init.hooks, init.cacheFilter);
    this.batch = init.batch;
    this.B = init.batch.length;
    this.T = init.batch[0].length;
    this.reusable = this.B === 1 && init.hooks.length === 0 && init.incremental !== false;
    let start = 0;
    // Reuse the previous run's rows when nothing can have changed them and it kept what this run joins.
    const p = init.memory.prefix;
    if (this.reusable && p && init.joined.every((name) => p.acts.has(name))) {
      start = p.commonPrefix(init.batch[0]);
      if (start > 0) this.prev = p;
    }
    this.start = start;
    this.R = this.T - start;
    this.NR = this.B * this.R;
  }

  /** Rows the previous run held, when this run reuses them: its sequence length (0 otherwise). */
  get prevT(): number {
    return this.prev ? this.prev.tokens.length : 0;
  }

  /** A pooled array of `n` elements (stale contents: overwrite all of it). */
  take(n: number): Float32Array {
    const a = this.memory.pool.take(n);
    this.owned.add(a);
    return a;
  }

  /**
   * Gives arrays this run took back to the pool before the run ends, when the caller will not read them again:
   * a layer's temporaries (the MLP's hidden rows, q, k, v) then serve the next layer instead of each layer
   * allocating its own (half a gigabyte per GPT-2 small run at T = 1024). Arrays a hook or the cache received,
   * or that the run keeps for the next one, or that it did not take, are left alone.
   */
  done(...arrays: (Float32Array | null | undefined)[]): void {
    for (const a of arrays) {
      if (!a || !this.owned.has(a) || this.escaped.has(a) || this.isKept(a)) continue;
      this.owned.delete(a);
      this.memory.pool.give(a);
    }
  }

  private isKept(a: Float32Array): boolean {
    for (const kept of this.state.values()) if (kept === a) return true;
    return false;
  }

  /** Runs the hooks on `name` (each may replace the activation), then caches it when the cache wants it. */
  fire(name: string, t: Tensor): Tensor {
    for (const h of this.hooks) {
      if (!h.matches(name)) continue;
      this.escaped.add(t.data);
      const r = h.fn(t, { name, layer: () => hookLayer(name) });
      if (r !== undefined && r !== null) {
        if (!(r instanceof Tensor))
          throw new Error(`Hook on "${name}" returned ${typeof r}, expected a Tensor or nothing`);
        if (!shapeEquals(r.shape, t.shape)) {
          throw new Error(`Hook on "${name}" returned shape ${formatShape(r.shape)}, expected ${formatShape(t.shape)}`);
        }
        t = r;
      }
    }
    if (this.cacheFilter?.(name)) {
      this.escaped.add(t.data);
      this.cache.set(name, t);
    }
    return t;
  }

  /** Keeps a full activation for the next incremental run (when this run may serve one). */
  keep(name: string, t: Tensor): Tensor {
    if (this.reusable) this.state.set(name, t.data);
    return t;
  }

  /** Keeps non-hook state (e.g. the unembed's statistics) for the next incremental run; returns it. */
  remember(name: string, data: Float32Array): Float32Array {
    if (this.reusable) this.state.set(name, data);
    return data;
  }

  /** What the previous run kept under `name`, when this run reuses its rows. */
  previous(name: string): Float32Array | undefined {
    return this.prev?.acts.get(name);
  }

  /** Rows [start, T) of a full [B, T, width] activation (all of it when start = 0). */
  fresh(t: Tensor, width: number): Float32Array {
    return this.start === 0 ? t.data : t.data.subarray(this.start * width);
  }

  /** The previous run's rows of `name` before `start`, then `data` (the new rows). */
  joinRows(name: string, width: number, data: Float32Array): Float32Array {
    return joinRows(this.previous(name), this.start, width, data);
  }

  /** `prev`'s first `from` rows, then `data` (for state whose reuse starts elsewhere than `start`). */
  joinRowsFrom(prev: Float32Array | undefined, from: number, width: number, data: Float32Array): Float32Array {
    return joinRows(prev, from, width, data);
  }

  /** A [B, T, …] activation from its new rows: joined, fired and kept. */
  rows(name: string, width: number, data: Float32Array, shape: number[]): Tensor {
    return this.keep(name, this.fire(name, new Tensor(this.joinRows(name, width, data), shape)));
  }

  /**
   * The new rows of a row-wise activation (LayerNorm, MLP, resid_mid) that nothing downstream needs whole: when a
   * hook or the cache observes it, joined, fired and kept like `rows`, and the new rows of what the hooks left
   * (they may replace it) come back; otherwise `data` itself, never joined or kept.
   */
  observedRows(name: string, width: number, data: Float32Array, shape: number[]): Float32Array {
    if (!this.wanted(name)) return data;
    return this.fresh(this.rows(name, width, data, shape), width);
  }

  /**
   * A [B, H, T, T] attention tensor from its new rows [B, H, R, T]: joined, fired and kept. Old rows right of
   * column `start` lie above the causal diagonal and get `above`.
   */
  attention(name: string, nHeads: number, data: Float32Array, above: number): Tensor {
    const { B, T } = this;
    const full = joinAttention(this.previous(name), this.prevT, this.start, nHeads, T, data, above);
    return this.keep(name, this.fire(name, new Tensor(full, [B, nHeads, T, T])));
  }

  /**
   * Ends the run: a reusable run becomes the prefix the next one starts from, and the buffers nothing holds
   * any more (neither a hook nor the cache received them, and the possibly new prefix cache does not keep
   * them) go back to the pool.
   */
  finish(): void {
    const m = this.memory;
    if (this.reusable) m.prefix = new PrefixCache(this.batch[0], this.state);
    const live = new Set(m.prefix ? m.prefix.acts.values() : []);
    const kept = new Set<Float32Array>();
    for (const a of new Set([...this.owned, ...m.prefixOwned])) {
      if (this.escaped.has(a)) continue;
      if (live.has(a)) kept.add(a);
      else m.pool.give(a);
    }
    m.prefixOwned = kept;
  }
}
