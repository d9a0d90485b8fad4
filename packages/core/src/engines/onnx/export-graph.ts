/**
 * What every graph fragment of the export shares: the builder, the model's config and weights, the `tokens`
 * (and `head_mask`) inputs, memoised values (a value is built once, and only when an output depends on it),
 * position-dependent values, and the hook registry the fragments fill.
 *
 * Dimension legend: B batch, T seq (both dynamic in the graph), D d_model, H n_heads, Dh d_head, M d_mlp,
 * V d_vocab_out.
 */
import type { HookedTransformerConfig } from "../../config.js";
import type { HookDecl } from "../../components/component.js";
import type { StateDict } from "../../weights/state-dict.js";
import { float32ToFloat16Bits } from "../../weights/dtypes.js";
import { ElemType, OnnxGraphBuilder, type Dim } from "./onnx-graph.js";

/** A value built on first call: the name of the graph value holding it. */
export type Lazy = () => string;

/** One hook point the export can return: how to build it (a value named by the hook) and its dimensions. */
export interface HookEntry {
  build: Lazy;
  dims: Dim[];
}

export interface ExportGraphOptions {
  dtype: "float32" | "float16";
  headMask: boolean;
}

export class ExportGraph {
  readonly g = new OnnxGraphBuilder();
  readonly tokens: string;
  readonly headMask: string | null;
  /** Every hook point the fragments offer, in registration (firing) order. */
  readonly hooks = new Map<string, HookEntry>();
  private readonly memo = new Map<string, string>();

  constructor(
    readonly cfg: HookedTransformerConfig,
    /** The model's weights under their state-dict keys, in TransformerLens's layouts. */
    private readonly weights: () => StateDict,
    private readonly opts: ExportGraphOptions,
  ) {
    this.tokens = this.g.input("tokens", ElemType.INT64, ["batch", "seq"]);
    this.headMask = opts.headMask ? this.g.input("head_mask", ElemType.FLOAT, [cfg.n_layers, cfg.n_heads]) : null;
  }

  /** The value `key` names, built by `build` the first time it is asked for. */
  once(key: string, build: Lazy): string {
    let v = this.memo.get(key);
    if (v === undefined) this.memo.set(key, (v = build()));
    return v;
  }

  /** A shared int64 constant (shapes, axes). */
  ints(name: string, values: number[], dims?: number[]): string {
    return this.once(`const:${name}`, () => this.g.int64(name, values, dims));
  }

  /** A shared float32 scalar constant. */
  scalar(name: string, value: number): string {
    return this.once(`const:${name}`, () => this.g.scalar(name, value));
  }

  /** The float32 value of weight `key` (stored under that name; cast in the graph when stored as float16). */
  weight(key: string): string {
    return this.once(`weight:${key}`, () => {
      const t = this.weights().get(key);
      if (!t || !(t.data instanceof Float32Array)) throw new Error(`exportOnnx: internal error, no weight "${key}"`);
      if (this.opts.dtype === "float16") {
        this.g.initializer(key, t.shape, ElemType.FLOAT16, float32ToFloat16Bits(t.data));
        return this.g.node("Cast", [key], { to: ElemType.FLOAT });
      }
      return this.g.initializer(key, t.shape, ElemType.FLOAT, t.data);
    });
  }

  /** 0 … T − 1 as int64 [T]. */
  positions(): string {
    return this.once("positions", () => {
      const seq = this.g.node("Shape", [this.tokens], { start: 1, end: 2 });
      const T = this.g.node("Squeeze", [seq, this.ints("axes_0", [0])]);
      return this.g.node("Range", [this.ints("zero", [0], []), T, this.ints("one", [1], [])]);
    });
  }

  /** above[q, k] = k > q: the causal mask over [T, T], broadcast over batch and heads. */
  above(): string {
    return this.once("above", () =>
      this.g.node("Greater", [
        this.g.node("Unsqueeze", [this.positions(), this.ints("axes_0", [0])]),
        this.g.node("Unsqueeze", [this.positions(), this.ints("axes_1", [1])]),
      ]),
    );
  }

  /** `value` under the name `name` (an Identity when it was computed under another name). */
  named(value: string, name: string): string {
    return value === name ? value : this.g.node("Identity", [value], {}, name);
  }

  /**
   * Offers hook point `name` (declared by a component with symbolic `shape`), computed by `build` into a value
   * of that name, memoised.
   */
  offer(name: string, shape: readonly string[], build: (name: string) => string): Lazy {
    const lazy = () => this.once(`hook:${name}`, () => this.named(build(name), name));
    this.hooks.set(name, { build: lazy, dims: shape.map((d) => this.dim(d)) });
    return lazy;
  }

  /** A declared dimension (TransformerLens's names, components/component.ts) in the graph's terms. */
  private dim(d: string): Dim {
    const { cfg } = this;
    const sizes: Record<string, number> = {
      d_model: cfg.d_model,
      n_heads: cfg.n_heads,
      d_head: cfg.d_head,
      d_mlp: cfg.d_mlp ?? 0,
      d_vocab: cfg.d_vocab_out,
    };
    if (d === "batch") return "batch";
    if (d === "pos" || d === "query_pos" || d === "key_pos") return "seq";
    if (/^\d+$/.test(d)) return Number(d);
    if (d in sizes) return sizes[d];
    throw new Error(`exportOnnx: internal error, unknown hook dimension "${d}"`);
  }
}

/** Offers every hook point of `decls` under `prefix`, built by `builders[short name]` (`q` for `hook_q`). */
export function offerHooks<N extends string>(
  x: ExportGraph,
  prefix: string,
  decls: readonly HookDecl[],
  builders: Record<N, (name: string) => string>,
  include: (short: N) => boolean = () => true,
): Record<N, Lazy> {
  const out = {} as Record<N, Lazy>;
  for (const d of decls) {
    const short = d.name.replace(/^hook_/, "") as N;
    if (!(short in builders)) throw new Error(`exportOnnx: internal error, no graph for ${prefix}${d.name}`);
    if (include(short)) out[short] = x.offer(`${prefix}${d.name}`, d.shape, builders[short]);
  }
  return out;
}
