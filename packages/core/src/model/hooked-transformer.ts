import type { Backend } from "../backend/backend.js";
import { tsBackend } from "../backend/ts-backend.js";
import { resolveConfig, type HookedTransformerConfig, type HookedTransformerConfigInput } from "../config.js";
import { Tensor } from "../tensor.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { StateDict } from "../weights/state-dict.js";
import { ActivationCache } from "./activation-cache.js";
import { extractWeights, operandWeights, type ModelWeights } from "./model-weights.js";
import { reduceLoss } from "./loss.js";
import { toTokenBatch, type TokenInput } from "./input.js";
import { toTokens, toStrTokens } from "../tokenizer/tokens.js";
import type { FromPretrainedOptions } from "./from-pretrained.js";
import type { ModelSource } from "../io/model-files.js";
import { FactoredMatrix } from "../linalg/factored-matrix.js";
import { headLabels, weightsStateDict, weightView, type WeightName } from "./weight-views.js";
import { readHeld, unholdWeights, weightHolder, type HeldWeights } from "./held-weights.js";
import { toSingleToken, getTokenPosition, type TokenPositionOptions } from "../tokenizer/single-token.js";
import { checkRunArgs } from "./run-args.js";
import { outputsNonFinite } from "./finite.js";
import {
  RunContext,
  RunMemory,
  nameMatcher,
  observedBy,
  type ActiveHook,
  type HookFn,
  type Incremental,
  type NameFilter,
} from "./run-context.js";
import { planRun, type PlannedStage } from "./run-plan.js";
import { Embed } from "../components/embed.js";
import { PosEmbed } from "../components/pos-embed.js";
import { TransformerBlock, addArrays } from "../components/transformer-block.js";
import { Unembed, type ReturnType } from "../components/unembed.js";
import { LayerNorm } from "../components/layer-norm.js";
import type { Engine } from "../engines/engine.js";
import { hooksRefused, runOnEngine } from "../engines/served-runs.js";

export type { HookFn, HookPoint, Incremental, NameFilter } from "./run-context.js";
export type { ReturnType } from "../components/unembed.js";

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
  /**
   * Prefix reuse. "auto": a single sequence run without hooks computes only the rows after the first token
   * that differs from the previous such run (live typing appends a token and pays for one row), and leaves its
   * own rows for the next. false: every row is computed and the reuse state is left as it is, as a benchmark or
   * a one-off probe between keystrokes wants. Results are the same either way. @default "auto"
   */
  incremental?: Incremental;
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
  /**
   * Hand the big weight matrices (W_Q, W_K, W_V, W_O, W_in, W_out, W_U) over to the backend, when it can keep
   * them in its own memory (the kernels: WebAssembly memory, packed for X·W), and keep no JavaScript copy:
   * the weights are held once (GPT-2 small: 500 MB instead of 1 GB). `model.W_Q` and the other views then
   * read them back from the backend into new arrays. Ignored by backends without `holdWeights` (ts).
   * @default false (`fromPretrained`: true)
   */
  weightsInBackend?: boolean;
  /**
   * How the backend was chosen, when that is news, e.g. `"kernels unavailable: …; using ts"`
   * (`resolveBackendWithStatus` gives it). Reported by `status`.
   */
  backendStatus?: string;
}

/** What the model runs on, for a status line. */
export interface ModelStatus {
  /** The backend's name, e.g. `"kernels-relaxed-simd x2"` or `"ts"`. */
  backend: string;
  /** Why the backend is not the one asked for, e.g. `"kernels unavailable: …; using ts"`; null when all is as asked. */
  warning: string | null;
}

/**
 * A transformer (attention-only like ARENA's, or GPT-2 style with LayerNorm and MLPs) that computes what
 * TransformerLens's `HookedTransformer` computes,
 * firing the same hook points with the same names and shapes.
 */
export class HookedTransformer {
  readonly cfg: HookedTransformerConfig;
  tokenizer: Tokenizer | null;
  private currentBackend: Backend;
  /** The weights the backend holds for this model (`weightsInBackend`), else null. */
  private held: HeldWeights | null = null;
  private readonly backendStatus: string | null;
  private readonly weights: ModelWeights;
  private readonly hooks: ActiveHook[] = [];
  private readonly allHookNames: readonly string[];
  /** Prefix cache and buffer pool, shared by every run of this model. */
  private readonly memory = new RunMemory();
  // The forward pass's components, in order.
  private readonly embed: Embed;
  private readonly posEmbed: PosEmbed;
  private readonly blocks: TransformerBlock[];
  /** The final LayerNorm (ln_final) before the unembedding, when the model has LayerNorm. */
  private readonly lnFinal: LayerNorm | null;
  private readonly unembed: Unembed;
  private readonly stages: PlannedStage[];
  /** A model-level engine serving forward and runWithCache instead of the backend (see `useEngine`). */
  private engine: Engine | null = null;

  constructor(
    cfg: HookedTransformerConfig | HookedTransformerConfigInput,
    stateDict: StateDict,
    opts: HookedTransformerOptions = {},
  ) {
    this.cfg = resolveConfig(cfg, opts.source ? `${opts.source} config` : "config");
    this.currentBackend = opts.backend ?? tsBackend;
    this.backendStatus = opts.backendStatus ?? null;
    const holder =
      opts.weightsInBackend && this.currentBackend.holdWeights ? weightHolder(this.cfg, this.currentBackend) : null;
    const w = extractWeights(this.cfg, stateDict, opts.source ?? "state dict", {
      allowNonFinite: opts.allowNonFinite,
      take: holder?.take,
    });
    this.weights = w;
    this.held = holder?.finish(w) ?? null;
    // The kernels then keep the weights (packed for X·W) from the first run instead of the second.
    this.currentBackend.markWeights?.(operandWeights(this.cfg, w).filter((a) => !this.held?.standIns.has(a)));
    this.tokenizer = opts.tokenizer ?? null;
    this.embed = new Embed(this.cfg, w.W_E);
    this.posEmbed = new PosEmbed(this.cfg, w.W_pos);
    this.blocks = w.layers.map((lw, l) => new TransformerBlock(this.cfg, l, lw));
    const norm = this.cfg.normalization_type === "LN" || this.cfg.normalization_type === "LNPre";
    this.lnFinal = norm ? new LayerNorm(this.cfg, "ln_final.", w.ln_final) : null;
    this.unembed = new Unembed(this.cfg, w);
    this.stages = [this.embed, this.posEmbed, ...this.blocks, ...(this.lnFinal ? [this.lnFinal] : []), this.unembed];
    this.allHookNames = this.stages.flatMap((c) => c.hookPoints);
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

  /** The numeric backend the model runs on. */
  get backend(): Backend {
    return this.currentBackend;
  }

  /**
   * Moves the model to another backend. Weights the old backend holds (`weightsInBackend`) are read back
   * into JavaScript arrays first, so the old backend must not have been disposed.
   */
  set backend(backend: Backend) {
    if (backend === this.currentBackend) return;
    if (this.held) {
      unholdWeights(this.weights, this.held);
      this.held = null;
    }
    this.currentBackend = backend;
    backend.markWeights?.(operandWeights(this.cfg, this.weights));
  }

  /**
   * Bytes of this model's weights in JavaScript arrays and in its backend's memory (weights the backend
   * holds, `weightsInBackend`). Copies a backend makes of JavaScript weights for its own use are not counted.
   */
  get weightBytes(): { js: number; backend: number } {
    const js = operandWeights(this.cfg, this.weights).reduce((n, a) => n + a.byteLength, 0);
    return {
      js: js + this.weights.W_E.byteLength + this.weights.W_pos.byteLength,
      backend: 4 * (this.held?.elements ?? 0),
    };
  }

  /** The backend (or engine) the model runs on, and why it is not the one asked for when it is not. */
  get status(): ModelStatus {
    if (this.engine) return { backend: this.engine.status.name, warning: this.engine.status.warning };
    return { backend: this.backend.name, warning: this.backendStatus };
  }

  /**
   * Serve `forward` and `runWithCache` from a model-level engine (e.g. `createOrtEngine(model)`, what
   * `fromPretrained(…, { backend: "ort" })` sets up); `null` goes back to the backend. The engine runs no
   * JavaScript hooks: `runWithHooks` and `addHook` need the backend.
   */
  useEngine(engine: Engine | null): void {
    if (engine && this.hooks.length) throw hooksRefused(engine, `${this.hooks.length} added with addHook`);
    this.engine = engine;
  }

  /** Every hook point this model fires, in firing order. */
  get hookPoints(): readonly string[] {
    return this.allHookNames;
  }

  /**
   * Per layer, what `hook_attn_scores` holds above the causal diagonal: the state dict's IGNORE buffer
   * (-1e5 in files from TransformerLens before v1.7), else -inf.
   */
  get attnIgnore(): number[] {
    return this.weights.layers.map((lw) => lw.IGNORE);
  }

  // ----- weights under TransformerLens's names (views of W_E/W_pos/W_U/b_U; stacked copies per layer) -----

  private view(name: WeightName): Tensor {
    return weightView(this.cfg, this.weights, name, (a) => readHeld(this.held, a));
  }

  /** [d_vocab, d_model] */
  get W_E(): Tensor {
    return this.view("W_E");
  }
  /** [n_ctx, d_model] */
  get W_pos(): Tensor {
    return this.view("W_pos");
  }
  /** [d_model, d_vocab_out] */
  get W_U(): Tensor {
    return this.view("W_U");
  }
  /** [d_vocab_out] */
  get b_U(): Tensor {
    return this.view("b_U");
  }
  /** [n_layers, n_heads, d_model, d_head] */
  get W_Q(): Tensor {
    return this.view("W_Q");
  }
  /** [n_layers, n_heads, d_model, d_head] */
  get W_K(): Tensor {
    return this.view("W_K");
  }
  /** [n_layers, n_heads, d_model, d_head] */
  get W_V(): Tensor {
    return this.view("W_V");
  }
  /** [n_layers, n_heads, d_head, d_model] */
  get W_O(): Tensor {
    return this.view("W_O");
  }
  /** [n_layers, n_heads, d_head] */
  get b_Q(): Tensor {
    return this.view("b_Q");
  }
  /** [n_layers, n_heads, d_head] */
  get b_K(): Tensor {
    return this.view("b_K");
  }
  /** [n_layers, n_heads, d_head] */
  get b_V(): Tensor {
    return this.view("b_V");
  }
  /** [n_layers, d_model] */
  get b_O(): Tensor {
    return this.view("b_O");
  }
  /** [n_layers, d_model, d_mlp] (models with MLPs) */
  get W_in(): Tensor {
    return this.view("W_in");
  }
  /** [n_layers, d_mlp] */
  get b_in(): Tensor {
    return this.view("b_in");
  }
  /** [n_layers, d_mlp, d_model] */
  get W_out(): Tensor {
    return this.view("W_out");
  }
  /** [n_layers, d_model] */
  get b_out(): Tensor {
    return this.view("b_out");
  }
  /**
   * The weights as TransformerLens's `state_dict()` (large tensors shared, not copied; see `weightsStateDict`).
   * Weights the backend holds are read back from it.
   */
  stateDict(): StateDict {
    return weightsStateDict(this.cfg, this.weights, (a) => readHeld(this.held, a));
  }
  /** W_Q · W_Kᵀ as a FactoredMatrix [n_layers, n_heads, d_model, d_model]. */
  get QK(): FactoredMatrix {
    return new FactoredMatrix(this.W_Q, this.W_K.transpose());
  }
  /** W_V · W_O as a FactoredMatrix [n_layers, n_heads, d_model, d_model]. */
  get OV(): FactoredMatrix {
    return new FactoredMatrix(this.W_V, this.W_O);
  }

  /**
   * A LayerNorm's weight and bias [d_model] (TransformerLens `model.ln_final.w` / `.b`, `model.blocks[l].ln1.w`):
   * `"ln_final"`, or `"ln1"` / `"ln2"` of `layer`. Null where there are none: normalization_type "LNPre" (they
   * are folded into the next weights) or null. Copies.
   */
  layerNormWeights(name: "ln_final" | "ln1" | "ln2", layer?: number): { w: Tensor; b: Tensor } | null {
    if (name !== "ln_final" && !(Number.isInteger(layer) && layer! >= 0 && layer! < this.cfg.n_layers))
      throw new RangeError(`layerNormWeights("${name}"): layer must be 0..${this.cfg.n_layers - 1}, got ${layer}`);
    const p = name === "ln_final" ? this.weights.ln_final : this.weights.layers[layer!][name];
    if (!p) return null;
    const D = this.cfg.d_model;
    return { w: new Tensor(p.w.slice(), [D]), b: new Tensor(p.b.slice(), [D]) };
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
    if (this.engine)
      throw hooksRefused(this.engine, `addHook(${typeof name === "function" ? "a filter" : JSON.stringify(name)})`);
    this.hooks.push({ matches: nameMatcher(name), fn });
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
    if (this.engine) return runOnEngine(this.engine, this.toBatch(input, opts.prependBos), opts, false);
    const { logits, loss } = this.run(
      this.toBatch(input, opts.prependBos),
      this.hooks,
      null,
      opts.returnType ?? "logits",
      opts.incremental,
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
    if (this.engine) return (await runOnEngine(this.engine, batch, opts, true)) as RunWithCacheResult;
    const filter = opts.namesFilter === undefined ? () => true : nameMatcher(opts.namesFilter);
    const { logits, loss, cache } = this.run(batch, this.hooks, filter, opts.returnType ?? "logits", opts.incremental);
    const c = new ActivationCache(cache, true, this);
    const checked = outputsNonFinite({ logits, loss, cache: opts.removeBatchDim ? c.removeBatchDim() : c });
    return { ...checked, loss: reduceLoss(checked.loss, opts.lossPerToken) };
  }

  /** Forward pass with temporary hooks (TransformerLens `run_with_hooks`). */
  async runWithHooks(input: ModelInput, opts: RunWithHooksOptions = {}): Promise<ForwardResult> {
    checkRunArgs("runWithHooks", input, opts);
    const extra = (opts.fwdHooks ?? []).map(([name, fn]) => {
      this.checkHookName(name);
      return { matches: nameMatcher(name), fn };
    });
    if (this.engine) {
      const names = (opts.fwdHooks ?? []).map(([n]) => (typeof n === "function" ? "a filter" : JSON.stringify(n)));
      throw hooksRefused(this.engine, `runWithHooks on ${names.join(", ") || "no hook"}`);
    }
    const { logits, loss } = this.run(
      this.toBatch(input, opts.prependBos),
      [...this.hooks, ...extra],
      null,
      opts.returnType ?? "logits",
      opts.incremental,
    );
    const checked = outputsNonFinite({ logits, loss });
    return { ...checked, loss: reduceLoss(checked.loss, opts.lossPerToken) };
  }

  /**
   * The forward pass: the components in order over one run context. Activations are batched tensors at every
   * hook point; the plan decides what is computed, the context what is fired, kept and reused.
   */
  private run(
    batch: Int32Array[],
    hooks: readonly ActiveHook[],
    cacheFilter: ((name: string) => boolean) | null,
    returnType: ReturnType,
    incremental: Incremental = "auto",
  ): ForwardResult & { cache: Map<string, Tensor> } {
    const { cfg, backend } = this;
    const plan = planRun(this.stages, { wanted: observedBy(hooks, cacheFilter), backend }, returnType !== "none");
    const ctx = new RunContext({
      ...{ cfg, backend, batch, hooks, cacheFilter, incremental },
      ...{ memory: this.memory, joined: plan.joined },
    });
    const embed = this.embed.forward(ctx, batch);
    const pos = this.posEmbed.forward(ctx);
    // Shortformer: positions go into the queries' and keys' input only, never the residual stream.
    const shortformer = cfg.positional_embedding_type === "shortformer";
    let resid = shortformer ? embed : new Tensor(addArrays(embed.data, pos.data), embed.shape);
    for (const block of this.blocks) {
      const p = plan.of(block);
      if (!p) break;
      resid = block.forward(ctx, { resid, qkAdd: shortformer ? pos : null }, p.detail);
    }
    if (this.lnFinal && plan.of(this.lnFinal)) resid = this.lnFinal.forward(ctx, resid);
    const out = this.unembed.forward(ctx, { resid, batch, returnType });
    ctx.finish();
    return { ...out, cache: ctx.cache };
  }
}
