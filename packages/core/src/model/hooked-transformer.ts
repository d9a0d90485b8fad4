import type { Backend } from "../backend/backend.js";
import { tsBackend } from "../backend/ts-backend.js";
import { resolveConfig, type HookedTransformerConfig, type HookedTransformerConfigInput } from "../config.js";
import { Tensor, shapeEquals, formatShape } from "../tensor.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { StateDict } from "../weights/state-dict.js";
import { ActivationCache } from "./activation-cache.js";
import { extractWeights, operandWeights, type ModelWeights } from "./model-weights.js";
import { lossFromLogits, reduceLoss } from "./loss.js";
import { toTokenBatch, type TokenInput } from "./input.js";
import { toTokens, toStrTokens } from "../tokenizer/tokens.js";
import { hookNames } from "./hook-names.js";
import type { FromPretrainedOptions } from "./from-pretrained.js";
import type { ModelSource } from "../io/model-files.js";
import { PrefixCache, joinRows, joinAttention } from "./prefix-cache.js";
import { BufferPool } from "./buffer-pool.js";
import { FactoredMatrix } from "../linalg/factored-matrix.js";
import { headLabels, weightView } from "./weight-views.js";
import { hookLayer } from "./hook-names.js";
import { toSingleToken, getTokenPosition, type TokenPositionOptions } from "../tokenizer/single-token.js";
import { checkRunArgs } from "./run-args.js";
import { outputsNonFinite } from "./finite.js";

/** What a forward pass returns besides the cache, as TransformerLens's `return_type`. */
export type ReturnType = "logits" | "loss" | "both" | "none";

/** Which hook points a hook or the cache applies to: a name, a list of names, or a predicate. */
export type NameFilter = string | readonly string[] | ((name: string) => boolean);

/** The hook point a hook function is called at (TransformerLens `HookPoint`). */
export interface HookPoint {
  /** Full hook name, e.g. `"blocks.1.attn.hook_pattern"`. */
  name: string;
  /** The block the hook point belongs to (`1` for `blocks.1.…`); throws for `hook_embed` / `hook_pos_embed`. */
  layer(): number;
}

/**
 * A forward hook, as in TransformerLens: receives the activation (with its batch axis) and the hook point;
 * return a Tensor of the same shape to replace the activation, or nothing to leave it.
 */
export type HookFn = (activation: Tensor, hook: HookPoint) => Tensor | void | undefined;

/**
 * Model input: text (tokenized with BOS prepended by default), a list of texts of equal token length, one token
 * sequence, or a batch of equal-length ones.
 */
export type ModelInput = string | readonly string[] | TokenInput;

export interface RunOptions {
  /** @default "logits" */
  returnType?: ReturnType;
  /**
   * With returnType "loss" or "both": the per-token loss [batch, pos − 1] instead of its mean
   * (TransformerLens `loss_per_token`). @default false
   */
  lossPerToken?: boolean;
  /** Prepend BOS when the input is text. @default cfg.default_prepend_bos */
  prependBos?: boolean;
}

export interface RunWithCacheOptions extends RunOptions {
  /** Cache only these hook points. @default every hook point */
  namesFilter?: NameFilter;
  /** Drop the batch axis of cached tensors (batch of one only; logits keep it, as in TransformerLens). @default false */
  removeBatchDim?: boolean;
}

export interface RunWithHooksOptions extends RunOptions {
  /** `[nameOrFilter, hook]` pairs active for this run only. */
  fwdHooks?: readonly (readonly [NameFilter, HookFn])[];
}

export interface ForwardResult {
  /** [batch, pos, d_vocab], when returnType is "logits" or "both". */
  logits: Tensor | null;
  /**
   * When returnType is "loss" or "both": the mean over batch and positions of −log p(token[t+1] | tokens[≤t]),
   * a 0-dim tensor (`loss.item()`), as TransformerLens's `model(x, return_type="loss")`; with `lossPerToken`,
   * every term, [batch, pos − 1].
   */
  loss: Tensor | null;
  /** Set when the logits or loss hold NaN or ±Infinity, saying how many and where the first is. */
  nonFinite?: string;
}

export interface RunWithCacheResult extends ForwardResult {
  cache: ActivationCache;
}

export interface HookedTransformerOptions {
  /** Numeric backend. @default tsBackend */
  backend?: Backend;
  tokenizer?: Tokenizer | null;
  /** Name of the weights' origin, for error messages. */
  source?: string;
  /** Build the model even when its weights hold NaN or ±Infinity (refused by default, naming the tensor). @default false */
  allowNonFinite?: boolean;
}

interface ActiveHook {
  matches: (name: string) => boolean;
  fn: HookFn;
}

function toPredicate(filter: NameFilter): (name: string) => boolean {
  if (typeof filter === "function") return filter;
  if (typeof filter === "string") return (n) => n === filter;
  const set = new Set(filter);
  return (n) => set.has(n);
}

/**
 * An attention-only transformer that computes what TransformerLens's `HookedTransformer` computes,
 * firing the same hook points with the same names and shapes.
 */
export class HookedTransformer {
  readonly cfg: HookedTransformerConfig;
  tokenizer: Tokenizer | null;
  backend: Backend;
  private readonly weights: ModelWeights;
  private readonly hooks: ActiveHook[] = [];
  private readonly allHookNames: string[];
  /** Reused state of the last single-sequence run without hooks, for incremental (append-only) runs. */
  private prefix: PrefixCache | null = null;
  /** Buffers of intermediate activations nothing outside the model received, reused by later runs. */
  private readonly pool = new BufferPool();
  /** Pooled buffers the current prefix cache holds: they go back to the pool when it lets go of them. */
  private prefixOwned = new Set<Float32Array>();

  constructor(
    cfg: HookedTransformerConfig | HookedTransformerConfigInput,
    stateDict: StateDict,
    opts: HookedTransformerOptions = {},
  ) {
    // Always validated: a config that merely looks resolved may still hold wrong values (resolving is idempotent).
    this.cfg = resolveConfig(cfg as HookedTransformerConfigInput, opts.source ? `${opts.source} config` : "config");
    this.weights = extractWeights(this.cfg, stateDict, opts.source ?? "state dict", {
      allowNonFinite: opts.allowNonFinite,
    });
    this.backend = opts.backend ?? tsBackend;
    // The kernels then keep the weights (packed for X·W) from the first run instead of the second.
    this.backend.markWeights?.(operandWeights(this.cfg, this.weights));
    this.tokenizer = opts.tokenizer ?? null;
    this.allHookNames = hookNames(this.cfg.n_layers, { useAttnResult: this.cfg.use_attn_result });
  }

  /**
   * Load a model (transformers.js-style): a folder, a known model's name (`"attn-only-2l-half"`),
   * `hf:owner/repo`, or `{config, weights, tokenizer?}`; with no source, the embedded default model.
   */
  static async fromPretrained(source?: ModelSource, opts?: FromPretrainedOptions): Promise<HookedTransformer> {
    // Loaded lazily: the loaders (and the embedded weights) stay out of bundles that only construct models.
    const { fromPretrained } = await import("./from-pretrained.js");
    return fromPretrained(source, opts);
  }

  /** Every hook point this model fires, in firing order. */
  get hookPoints(): readonly string[] {
    return this.allHookNames;
  }

  // ----- weights under TransformerLens's names (views of W_E/W_pos/W_U/b_U; stacked copies per layer) -----

  /** [d_vocab, d_model] */
  get W_E(): Tensor {
    return weightView(this.cfg, this.weights, "W_E");
  }
  /** [n_ctx, d_model] */
  get W_pos(): Tensor {
    return weightView(this.cfg, this.weights, "W_pos");
  }
  /** [d_model, d_vocab_out] */
  get W_U(): Tensor {
    return weightView(this.cfg, this.weights, "W_U");
  }
  /** [d_vocab_out] */
  get b_U(): Tensor {
    return weightView(this.cfg, this.weights, "b_U");
  }
  /** [n_layers, n_heads, d_model, d_head] */
  get W_Q(): Tensor {
    return weightView(this.cfg, this.weights, "W_Q");
  }
  /** [n_layers, n_heads, d_model, d_head] */
  get W_K(): Tensor {
    return weightView(this.cfg, this.weights, "W_K");
  }
  /** [n_layers, n_heads, d_model, d_head] */
  get W_V(): Tensor {
    return weightView(this.cfg, this.weights, "W_V");
  }
  /** [n_layers, n_heads, d_head, d_model] */
  get W_O(): Tensor {
    return weightView(this.cfg, this.weights, "W_O");
  }
  /** [n_layers, n_heads, d_head] */
  get b_Q(): Tensor {
    return weightView(this.cfg, this.weights, "b_Q");
  }
  /** [n_layers, n_heads, d_head] */
  get b_K(): Tensor {
    return weightView(this.cfg, this.weights, "b_K");
  }
  /** [n_layers, n_heads, d_head] */
  get b_V(): Tensor {
    return weightView(this.cfg, this.weights, "b_V");
  }
  /** [n_layers, d_model] */
  get b_O(): Tensor {
    return weightView(this.cfg, this.weights, "b_O");
  }
  /** W_Q · W_Kᵀ as a FactoredMatrix [n_layers, n_heads, d_model, d_model]. */
  get QK(): FactoredMatrix {
    return new FactoredMatrix(this.W_Q, this.W_K.transpose());
  }
  /** W_V · W_O as a FactoredMatrix [n_layers, n_heads, d_model, d_model]. */
  get OV(): FactoredMatrix {
    return new FactoredMatrix(this.W_V, this.W_O);
  }

  /** Every head as TransformerLens labels them, `"L0H0"`, `"L0H1"`, … (`all_head_labels`). */
  allHeadLabels(): string[] {
    return headLabels(this.cfg).map((h) => {
      const [l, i] = h.split(".");
      return `L${l}H${i}`;
    });
  }

  // ----- tokens -------------------------------------------------------------------------------------------

  private requireTokenizer(): Tokenizer {
    if (!this.tokenizer)
      throw new Error("This model has no tokenizer: pass token ids, or load one with the tokenizer option");
    return this.tokenizer;
  }

  /**
   * Token ids of `text`, BOS first by default (TransformerLens `to_tokens`). Throws when longer than n_ctx.
   * A list of texts gives a batch; this model runs no attention mask, so texts of different token lengths
   * are refused with each one's length rather than padded.
   */
  toTokens(text: string, opts?: { prependBos?: boolean }): number[];
  toTokens(texts: readonly string[], opts?: { prependBos?: boolean }): number[][];
  toTokens(input: string | readonly string[], opts: { prependBos?: boolean } = {}): number[] | number[][] {
    const one = (text: string) =>
      toTokens(this.requireTokenizer(), text, {
        prependBos: opts.prependBos ?? this.cfg.default_prepend_bos,
        nCtx: this.cfg.n_ctx,
        dVocab: this.cfg.d_vocab,
      });
    if (typeof input === "string") return one(input);
    if (!Array.isArray(input) || input.length === 0)
      throw new Error("toTokens: give a text or a non-empty list of texts");
    const rows = input.map(one);
    if (rows.some((r) => r.length !== rows[0].length)) {
      throw new Error(
        `toTokens: the texts have different token lengths (${rows.map((r, i) => `text ${i}: ${r.length}`).join(", ")}); ` +
          "this model runs no attention mask, so a padded batch would change the results: give texts of equal token length or run them one by one",
      );
    }
    return rows;
  }

  /** One display string per token (TransformerLens `to_str_tokens`); a list of inputs gives one list each. */
  toStrTokens(input: string | readonly number[], opts?: { prependBos?: boolean }): string[];
  toStrTokens(input: readonly string[] | readonly (readonly number[])[], opts?: { prependBos?: boolean }): string[][];
  toStrTokens(
    input: string | readonly number[] | readonly string[] | readonly (readonly number[])[],
    opts: { prependBos?: boolean } = {},
  ): string[] | string[][] {
    const one = (x: string | readonly number[]) =>
      toStrTokens(this.requireTokenizer(), x, {
        prependBos: opts.prependBos ?? this.cfg.default_prepend_bos,
        nCtx: this.cfg.n_ctx,
        dVocab: this.cfg.d_vocab,
      });
    if (typeof input !== "string" && input.length > 0 && typeof input[0] !== "number") {
      return (input as readonly (string | readonly number[])[]).map(one);
    }
    return one(input as string | readonly number[]);
  }

  /** The id of a string that is exactly one token, without BOS (TransformerLens `to_single_token`). */
  toSingleToken(text: string): number {
    return toSingleToken(this.requireTokenizer(), text, this.cfg.d_vocab);
  }

  /** The display string of one token id (TransformerLens `to_single_str_token`). */
  toSingleStrToken(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.cfg.d_vocab) {
      throw new RangeError(`toSingleStrToken: ${id} is not a token id of this model (0..${this.cfg.d_vocab - 1})`);
    }
    return this.toStrTokens([id])[0];
  }

  /**
   * Position of `token` (an id, or a string that is one token) in `input` (text, tokenized as `toTokens` does,
   * or ids): its first occurrence, or its last with `mode: "last"` (TransformerLens `get_token_position`).
   */
  getTokenPosition(token: number | string, input: string | readonly number[], opts: TokenPositionOptions = {}): number {
    const id = typeof token === "string" ? this.toSingleToken(token) : token;
    const ids = typeof input === "string" ? this.toTokens(input, { prependBos: opts.prependBos }) : input;
    return getTokenPosition(id, ids, opts.mode ?? "first");
  }

  /** Text of a token sequence (TransformerLens `to_string`). */
  toString(tokens?: readonly number[]): string {
    if (tokens === undefined)
      return `HookedTransformer(${this.cfg.n_layers} layers, ${this.cfg.n_heads} heads, d_model ${this.cfg.d_model})`;
    return this.requireTokenizer().decode(tokens);
  }

  private toBatch(input: ModelInput, prependBos?: boolean): Int32Array[] {
    if (typeof input === "string") return toTokenBatch(this.toTokens(input, { prependBos }), this.cfg);
    if (input.length > 0 && typeof input[0] === "string")
      return toTokenBatch(this.toTokens(input as readonly string[], { prependBos }), this.cfg);
    return toTokenBatch(input as TokenInput, this.cfg);
  }

  // ----- hooks --------------------------------------------------------------------------------------------

  /** Add a persistent forward hook (until `resetHooks`). */
  addHook(name: NameFilter, fn: HookFn): void {
    this.checkHookName(name);
    this.hooks.push({ matches: toPredicate(name), fn });
  }

  resetHooks(): void {
    this.hooks.length = 0;
  }

  private checkHookName(name: NameFilter): void {
    const names = typeof name === "string" ? [name] : typeof name === "function" ? [] : name;
    for (const n of names) {
      if (!this.allHookNames.includes(n)) {
        throw new Error(
          `Unknown hook point "${n}". This model's hook points are: ${this.allHookNames.slice(0, 12).join(", ")}, …`,
        );
      }
    }
  }

  // ----- running ------------------------------------------------------------------------------------------

  /** Forward pass without cache (TransformerLens `model(input, return_type=...)`). */
  async forward(input: ModelInput, opts: RunOptions = {}): Promise<ForwardResult> {
    checkRunArgs("forward", input, opts);
    const { logits, loss } = this.run(
      this.toBatch(input, opts.prependBos),
      this.hooks,
      null,
      opts.returnType ?? "logits",
    );
    const checked = outputsNonFinite({ logits, loss });
    return { ...checked, loss: reduceLoss(checked.loss, opts.lossPerToken) };
  }

  /** Forward pass recording activations (TransformerLens `run_with_cache`). */
  async runWithCache(input: ModelInput, opts: RunWithCacheOptions = {}): Promise<RunWithCacheResult> {
    checkRunArgs("runWithCache", input, opts);
    const batch = this.toBatch(input, opts.prependBos);
    if (opts.removeBatchDim && batch.length !== 1) {
      throw new Error(`removeBatchDim needs a batch of 1, got ${batch.length} sequences`);
    }
    if (opts.namesFilter !== undefined && typeof opts.namesFilter !== "function") this.checkHookName(opts.namesFilter);
    const filter = opts.namesFilter === undefined ? () => true : toPredicate(opts.namesFilter);
    const { logits, loss, cache } = this.run(batch, this.hooks, filter, opts.returnType ?? "logits");
    const c = new ActivationCache(cache, true, this);
    const checked = outputsNonFinite({ logits, loss, cache: opts.removeBatchDim ? c.removeBatchDim() : c });
    return { ...checked, loss: reduceLoss(checked.loss, opts.lossPerToken) };
  }

  /** Forward pass with temporary hooks (TransformerLens `run_with_hooks`). */
  async runWithHooks(input: ModelInput, opts: RunWithHooksOptions = {}): Promise<ForwardResult> {
    checkRunArgs("runWithHooks", input, opts);
    const extra = (opts.fwdHooks ?? []).map(([name, fn]) => {
      this.checkHookName(name);
      return { matches: toPredicate(name), fn };
    });
    const { logits, loss } = this.run(
      this.toBatch(input, opts.prependBos),
      [...this.hooks, ...extra],
      null,
      opts.returnType ?? "logits",
    );
    const checked = outputsNonFinite({ logits, loss });
    return { ...checked, loss: reduceLoss(checked.loss, opts.lossPerToken) };
  }

  /**
   * The forward pass. Activations are batched tensors at every hook point; the heavy ops run on the
   * backend over all B·T rows at once, attention per sequence.
   *
   * A single sequence run without hooks reuses the previous run's rows up to the first changed token
   * (`start`): only rows [start, T) are computed, and the full tensors are assembled from both.
   */
  private run(
    batch: Int32Array[],
    hooks: readonly ActiveHook[],
    cacheFilter: ((name: string) => boolean) | null,
    returnType: ReturnType,
  ): ForwardResult & { cache: Map<string, Tensor> } {
    const { cfg, backend: be, weights: w } = this;
    const { d_model: D, n_heads: H, d_head: Dh } = cfg;
    const B = batch.length;
    const T = batch[0].length;
    const HD = H * Dh;
    const cache = new Map<string, Tensor>();

    const wanted = (name: string) => (cacheFilter !== null && cacheFilter(name)) || hooks.some((h) => h.matches(name));
    // Buffers taken from the pool for this run, and the arrays a hook or the cache received (never reused).
    const owned = new Set<Float32Array>();
    const escaped = new Set<Float32Array>();
    const take = (n: number) => {
      const a = this.pool.take(n);
      owned.add(a);
      return a;
    };
    const fire = (name: string, t: Tensor): Tensor => {
      for (const h of hooks) {
        if (!h.matches(name)) continue;
        escaped.add(t.data);
        const r = h.fn(t, { name, layer: () => hookLayer(name) });
        if (r !== undefined && r !== null) {
          if (!(r instanceof Tensor))
            throw new Error(`Hook on "${name}" returned ${typeof r}, expected a Tensor or nothing`);
          if (!shapeEquals(r.shape, t.shape)) {
            throw new Error(
              `Hook on "${name}" returned shape ${formatShape(r.shape)}, expected ${formatShape(t.shape)}`,
            );
          }
          t = r;
        }
      }
      if (cacheFilter?.(name)) {
        escaped.add(t.data);
        cache.set(name, t);
      }
      return t;
    };

    const plan = planLayers(cfg, be, wanted, returnType);

    // Reuse the previous run's rows when nothing can have changed them and it kept what this run joins.
    let prev: PrefixCache | null = null;
    let start = 0;
    if (B === 1 && hooks.length === 0 && this.prefix) {
      const p = this.prefix;
      if (plan.joined.every((name) => p.acts.has(name))) {
        start = p.commonPrefix(batch[0]);
        if (start > 0) prev = p;
      }
    }
    const P = prev ? prev.tokens.length : 0;
    const R = T - start; // new rows per sequence
    const NR = B * R;
    const state = new Map<string, Float32Array>();
    const keep = (name: string, t: Tensor): Tensor => {
      if (B === 1 && hooks.length === 0) state.set(name, t.data);
      return t;
    };
    /** Rows [start, T) of a full [B, T, width] activation (all of it when start = 0). */
    const fresh = (t: Tensor, width: number) => (start === 0 ? t.data : t.data.subarray(start * width));
    const rowsOf = (name: string, width: number, data: Float32Array, shape: number[]) =>
      keep(name, fire(name, new Tensor(joinRows(prev?.acts.get(name), start, width, data), shape)));

    // Embeddings.
    const embed = take(NR * D);
    for (let b = 0; b < B; b++) {
      for (let t = start; t < T; t++) {
        const id = batch[b][t];
        embed.set(w.W_E.subarray(id * D, id * D + D), (b * R + t - start) * D);
      }
    }
    const embedT = rowsOf("hook_embed", D, embed, [B, T, D]);
    // A single sequence whose positions nothing observes reads W_pos in place; hooks and the cache get a copy.
    const posRows = w.W_pos.subarray(0, T * D);
    const posT =
      B === 1 && !wanted("hook_pos_embed")
        ? new Tensor(posRows, [B, T, D])
        : fire("hook_pos_embed", new Tensor(tileRows(posRows, B), [B, T, D]));

    let resid: Tensor =
      cfg.positional_embedding_type === "standard" ? new Tensor(addArrays(embedT.data, posT.data), [B, T, D]) : embedT; // shortformer: positions go into queries and keys only, never the residual stream

    for (let l = 0; l < plan.layers.length; l++) {
      const lp = plan.layers[l];
      const lw = w.layers[l];
      const p = `blocks.${l}.`;
      const residPre = keep(`${p}hook_resid_pre`, fire(`${p}hook_resid_pre`, resid));
      const residNew = fresh(residPre, D);
      // Shortformer: queries and keys read (resid + pos), which the backend forms while staging the product.
      const addA = cfg.positional_embedding_type === "shortformer" ? fresh(posT, D) : undefined;

      const project = (wt: Float32Array, bias: Float32Array, add?: Float32Array) =>
        be.matmul(residNew, wt, NR, D, HD, { bias, addA: add, out: take(NR * HD) });
      const q = lp.qk ? rowsOf(`${p}attn.hook_q`, HD, project(lw.W_Q, lw.b_Q, addA), [B, T, H, Dh]) : null;
      const k = lp.qk ? rowsOf(`${p}attn.hook_k`, HD, project(lw.W_K, lw.b_K, addA), [B, T, H, Dh]) : null;
      const v = lp.v ? rowsOf(`${p}attn.hook_v`, HD, project(lw.W_V, lw.b_V), [B, T, H, Dh]) : null;

      const qOf = (b: number) => q!.data.subarray((b * T + start) * HD, (b + 1) * T * HD);
      const kOf = (b: number) => k!.data.subarray(b * T * HD, (b + 1) * T * HD);
      const vOf = (b: number) => v!.data.subarray(b * T * HD, (b + 1) * T * HD);
      const zOf = (b: number, z: Float32Array) => z.subarray(b * R * HD, (b + 1) * R * HD);
      const attnNew = (b: number, arr: Float32Array) => arr.subarray(b * H * R * T, (b + 1) * H * R * T);
      const joinAttn = (name: string, data: Float32Array, above: number) =>
        keep(
          name,
          fire(name, new Tensor(joinAttention(prev?.acts.get(name), P, start, H, T, data, above), [B, H, T, T])),
        );
      /** Rows [start, T) of a full [B, H, T, T] attention tensor, as [B, H, R, T]. */
      const attnRowsOf = (full: Float32Array): Float32Array => {
        if (start === 0) return full;
        const out = new Float32Array(H * R * T);
        for (let h = 0; h < H; h++) out.set(full.subarray((h * T + start) * T, (h + 1) * T * T), h * R * T);
        return out;
      };

      let patternRows: Float32Array | null = null;
      if (lp.pattern) {
        let patternNew: Float32Array;
        if (lp.scores) {
          const scores = new Float32Array(B * H * R * T);
          for (let b = 0; b < B; b++)
            be.attnScores(qOf(b), kOf(b), R, T, H, Dh, cfg.attn_scale, lw.IGNORE, attnNew(b, scores));
          const scoresT = joinAttn(`${p}attn.hook_attn_scores`, scores, lw.IGNORE);
          const scoresNew = attnRowsOf(scoresT.data);
          patternNew = new Float32Array(B * H * R * T);
          for (let b = 0; b < B; b++) be.causalSoftmax(attnNew(b, scoresNew), H, R, T, attnNew(b, patternNew));
        } else {
          patternNew = new Float32Array(B * H * R * T);
          for (let b = 0; b < B; b++)
            be.attnPattern!(qOf(b), kOf(b), R, T, H, Dh, cfg.attn_scale, attnNew(b, patternNew));
        }
        patternRows = attnRowsOf(joinAttn(`${p}attn.hook_pattern`, patternNew, 0).data);
      }
      if (!lp.rest) break; // nothing downstream of this layer's attention is needed

      const z = take(NR * HD);
      for (let b = 0; b < B; b++) {
        if (patternRows) be.patternValue(attnNew(b, patternRows), vOf(b), R, T, H, Dh, zOf(b, z));
        else be.attention!(qOf(b), kOf(b), vOf(b), R, T, H, Dh, cfg.attn_scale, zOf(b, z)); // the [H, T, T] pattern is never held
      }
      const zT = rowsOf(`${p}attn.hook_z`, HD, z, [B, T, H, Dh]);
      const zNew = fresh(zT, HD);

      let residPost: Float32Array;
      if (lp.attnOut) {
        let attnOut: Float32Array;
        if (lp.result) {
          const resultT = rowsOf(`${p}attn.hook_result`, H * D, be.headResults(zNew, lw.W_O, NR, H, Dh, D), [
            B,
            T,
            H,
            D,
          ]);
          attnOut = sumHeads(fresh(resultT, H * D), NR, H, D, lw.b_O);
        } else {
          // Σ_h z_h · W_O[h] is one matmul over the concatenated heads.
          attnOut = be.matmul(zNew, lw.W_O, NR, HD, D, { bias: lw.b_O });
        }
        const attnOutT = rowsOf(`${p}hook_attn_out`, D, attnOut, [B, T, D]);
        residPost = addArrays(residPre.data, attnOutT.data);
      } else {
        // Nothing observes attn_out: accumulate z · W_O + b_O straight onto a copy of the new residual rows.
        const rows = take(NR * D);
        rows.set(fresh(residPre, D));
        be.matmul(zNew, lw.W_O, NR, HD, D, { bias: lw.b_O, accumulate: true, out: rows });
        residPost = joinRows(prev?.acts.get(`${p}hook_resid_post`), start, D, rows);
      }
      resid = keep(`${p}hook_resid_post`, fire(`${p}hook_resid_post`, new Tensor(residPost, [B, T, D])));
    }

    const out = this.unembed(resid.data, batch, returnType, prev, start, state);
    this.prefix = B === 1 && hooks.length === 0 ? new PrefixCache(batch[0], state) : this.prefix;
    this.recycle(owned, escaped);
    return { ...out, cache };
  }

  /**
   * Gives back to the pool this run's buffers and the previous prefix cache's that nothing holds any more:
   * neither a hook nor the cache received them and the (possibly new) prefix cache does not keep them.
   */
  private recycle(owned: Set<Float32Array>, escaped: Set<Float32Array>): void {
    const live = new Set(this.prefix ? this.prefix.acts.values() : []);
    const kept = new Set<Float32Array>();
    for (const a of new Set([...owned, ...this.prefixOwned])) {
      if (escaped.has(a)) continue;
      if (live.has(a)) kept.add(a);
      else this.pool.give(a);
    }
    this.prefixOwned = kept;
  }

  /**
   * Logits and/or per-token loss from the final residual stream (no final LayerNorm in these models).
   * Rows before `start` come from the previous run when it computed them.
   */
  private unembed(
    x: Float32Array,
    batch: Int32Array[],
    returnType: ReturnType,
    prev: PrefixCache | null,
    start: number,
    state: Map<string, Float32Array>,
  ): ForwardResult {
    if (returnType === "none") return { logits: null, loss: null };
    const { d_model: D, d_vocab_out: V } = this.cfg;
    const B = batch.length;
    const T = batch[0].length;
    if (returnType === "loss") {
      const prevLse = prev?.acts.get("unembed.logsumexp");
      const prevTgt = prev?.acts.get("unembed.target");
      // Row start-1 gains a target when tokens are appended, so it is recomputed too.
      const s0 = prevLse && prevTgt ? Math.max(0, start - 1) : 0;
      const R = T - s0;
      const targets = new Int32Array(B * R).fill(-1);
      for (let b = 0; b < B; b++) for (let t = s0; t + 1 < T; t++) targets[b * R + t - s0] = batch[b][t + 1];
      const rows = s0 === 0 ? x : x.subarray(s0 * D);
      const stats = this.backend.unembedStats(rows, this.weights.W_U, this.weights.b_U, B * R, D, V, targets);
      const lse = joinRows(prevLse, s0, 1, stats.logsumexp);
      const tgt = joinRows(prevTgt, s0, 1, stats.targetLogits);
      if (B === 1) {
        state.set("unembed.logsumexp", lse);
        state.set("unembed.target", tgt);
      }
      const loss = new Float32Array(B * (T - 1));
      for (let b = 0; b < B; b++)
        for (let t = 0; t + 1 < T; t++) loss[b * (T - 1) + t] = lse[b * T + t] - tgt[b * T + t];
      return { logits: null, loss: new Tensor(loss, [B, T - 1]) };
    }
    const prevLogits = prev?.acts.get("unembed.logits");
    const s0 = prevLogits ? start : 0;
    const fresh = this.backend.matmul(s0 === 0 ? x : x.subarray(s0 * D), this.weights.W_U, B * (T - s0), D, V, {
      bias: this.weights.b_U,
    });
    const logits = joinRows(prevLogits, s0, V, fresh);
    if (B === 1) state.set("unembed.logits", logits);
    return {
      logits: new Tensor(logits, [B, T, V]),
      loss: returnType === "both" ? lossFromLogits(logits, batch, V) : null,
    };
  }
}

/** What one layer of a run computes; decided up front from what is hooked, cached and returned. */
interface LayerPlan {
  qk: boolean;
  v: boolean;
  /** Raw scores (hooked or cached, or the backend has no fused pattern). */
  scores: boolean;
  pattern: boolean;
  /** z, attn_out and resid_post (everything after the attention pattern). */
  rest: boolean;
  result: boolean;
  /** attn_out is materialised (observed, or summed from per-head results) rather than folded into resid_post. */
  attnOut: boolean;
}

/**
 * Work only for what is observed: a run that returns nothing and caches only patterns stops after the last
 * pattern (skipping that layer's values, z and W_O), and a run that needs no pattern computes z with the
 * backend's fused attention, never holding [H, T, T]. `joined` lists the activations an incremental run
 * takes from the previous run.
 */
function planLayers(
  cfg: HookedTransformerConfig,
  be: Backend,
  wanted: (name: string) => boolean,
  returnType: ReturnType,
): { layers: LayerPlan[]; joined: string[] } {
  const L = cfg.n_layers;
  const layerNames = (l: number) => [
    `blocks.${l}.hook_resid_pre`,
    ...["hook_q", "hook_k", "hook_v", "hook_attn_scores", "hook_pattern", "hook_z", "hook_result"].map(
      (h) => `blocks.${l}.attn.${h}`,
    ),
    `blocks.${l}.hook_attn_out`,
    `blocks.${l}.hook_resid_post`,
  ];
  const layers: LayerPlan[] = [];
  const joined = ["hook_embed"];
  for (let l = 0; l < L; l++) {
    const a = (h: string) => wanted(`blocks.${l}.attn.${h}`);
    let laterNeeded = returnType !== "none";
    for (let m = l + 1; m < L && !laterNeeded; m++) laterNeeded = layerNames(m).some(wanted);
    const rest =
      laterNeeded ||
      a("hook_z") ||
      a("hook_result") ||
      wanted(`blocks.${l}.hook_attn_out`) ||
      wanted(`blocks.${l}.hook_resid_post`);
    const pattern = a("hook_pattern") || a("hook_attn_scores") || (rest && !be.attention);
    const scores = a("hook_attn_scores") || (pattern && !be.attnPattern);
    const plan: LayerPlan = {
      qk: pattern || rest || a("hook_q") || a("hook_k"),
      v: rest || a("hook_v"),
      scores,
      pattern,
      rest,
      result: rest && cfg.use_attn_result && a("hook_result"),
      attnOut: false,
    };
    plan.attnOut = plan.result || wanted(`blocks.${l}.hook_attn_out`);
    if (!plan.qk && !plan.v && !wanted(`blocks.${l}.hook_resid_pre`)) break;
    layers.push(plan);
    joined.push(`blocks.${l}.hook_resid_pre`);
    if (plan.qk) joined.push(`blocks.${l}.attn.hook_q`, `blocks.${l}.attn.hook_k`);
    if (plan.v) joined.push(`blocks.${l}.attn.hook_v`);
    if (plan.scores) joined.push(`blocks.${l}.attn.hook_attn_scores`);
    if (plan.pattern) joined.push(`blocks.${l}.attn.hook_pattern`);
    if (plan.rest) joined.push(`blocks.${l}.attn.hook_z`, `blocks.${l}.hook_resid_post`);
    if (plan.attnOut) joined.push(`blocks.${l}.hook_attn_out`);
    if (plan.result) joined.push(`blocks.${l}.attn.hook_result`);
    if (!plan.rest) break;
  }
  return { layers, joined };
}

function addArrays(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

function tileRows(block: Float32Array, times: number): Float32Array {
  const out = new Float32Array(block.length * times);
  for (let i = 0; i < times; i++) out.set(block, i * block.length);
  return out;
}

/** attn_out[n] = Σ_h result[n, h] + b_O, as TransformerLens does with use_attn_result. */
function sumHeads(result: Float32Array, n: number, h: number, d: number, bias: Float32Array): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let m = 0; m < d; m++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += result[(i * h + j) * d + m];
      out[o + m] = s + bias[m];
    }
  }
  return out;
}
