import { Tensor } from "../tensor.js";
import { getActName } from "./hook-names.js";
import { Attention } from "../components/attention.js";
import type { HookedTransformer } from "./hooked-transformer.js";
import {
  accumulatedResid,
  decomposeResid,
  logitAttrs,
  stackHeadResults,
  type LabeledStack,
} from "./cache-decompositions.js";

/**
 * Activations recorded by `runWithCache`, keyed by TransformerLens hook name.
 * `get("pattern", 0)` is the `cache["pattern", 0]` shorthand of TransformerLens.
 */
export class ActivationCache {
  private readonly store: Map<string, Tensor>;
  /** True when every tensor still has its leading batch axis. */
  readonly hasBatchDim: boolean;

  /** The model that made this cache (its weights serve the decompositions); null for a hand-made cache. */
  readonly model: HookedTransformer | null;

  constructor(store: Map<string, Tensor>, hasBatchDim: boolean, model: HookedTransformer | null = null) {
    this.store = store;
    this.hasBatchDim = hasBatchDim;
    this.model = model;
  }

  /** TransformerLens `stack_head_results(layer)`: every head's `result` in layers < layer (default all), "L0H0", …. */
  stackHeadResults(layer?: number, opts: { inclRemainder?: boolean } = {}): LabeledStack {
    return stackHeadResults(this, layer, opts);
  }

  /** TransformerLens `decompose_resid(layer)`: "embed", "pos_embed", then "{l}_attn_out" for l < layer. */
  decomposeResid(layer?: number, opts: { inclEmbeds?: boolean } = {}): LabeledStack {
    return decomposeResid(this, layer, opts);
  }

  /** TransformerLens `accumulated_resid(layer)`: "{l}_pre" for l ≤ layer, then "final_post". */
  accumulatedResid(layer?: number): LabeledStack {
    return accumulatedResid(this, layer);
  }

  /** TransformerLens `logit_attrs(stack, tokens, incorrect_tokens)`: Σ_d stack[c, …, d] · W_U[d, token], [C, …]. */
  logitAttrs(stack: Tensor, tokens: number | ArrayLike<number>, incorrectTokens?: number | ArrayLike<number>): Tensor {
    return logitAttrs(this, stack, tokens, incorrectTokens);
  }

  get(name: string, layer?: number): Tensor {
    const key = getActName(name, layer);
    const t = this.store.get(key);
    if (!t) {
      const known = [...this.store.keys()];
      const hint = known.length
        ? ` Cached: ${known.slice(0, 6).join(", ")}${known.length > 6 ? ", …" : ""}`
        : " The cache is empty.";
      throw new Error(`No activation "${key}" in the cache (was it excluded by namesFilter?).${hint}`);
    }
    return t;
  }

  has(name: string, layer?: number): boolean {
    return this.store.has(getActName(name, layer));
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  entries(): [string, Tensor][] {
    return [...this.store.entries()];
  }

  get size(): number {
    return this.store.size;
  }

  /** Number of layers whose attention pattern is cached (0, 1, … without gaps). */
  get nLayersWithPattern(): number {
    let l = 0;
    while (this.store.has(Attention.patternHook(l))) l++;
    return l;
  }

  /** The same cache without the batch axis; only for a batch of one, as in TransformerLens. */
  removeBatchDim(): ActivationCache {
    if (!this.hasBatchDim) return this;
    const out = new Map<string, Tensor>();
    for (const [k, t] of this.store) {
      if (t.shape[0] !== 1) {
        throw new Error(`removeBatchDim needs a batch of 1, but "${k}" has batch size ${t.shape[0]}`);
      }
      out.set(k, t.index(0));
    }
    return new ActivationCache(out, false, this.model);
  }

  /** One sequence of a batched cache, as a cache without the batch axis. */
  batchItem(i: number): ActivationCache {
    if (!this.hasBatchDim) throw new Error("batchItem: this cache has no batch axis");
    const out = new Map<string, Tensor>();
    for (const [k, t] of this.store) out.set(k, t.index(i));
    return new ActivationCache(out, false, this.model);
  }
}
