/**
 * `exportOnnx(model, options)`: a loaded HookedTransformer as an ONNX graph that onnxruntime (web or node)
 * runs, returning TransformerLens hook points by name.
 *
 * Dimension legend: B batch, T seq (both dynamic in the graph), D d_model, H n_heads, Dh d_head,
 * HD = H·Dh, V d_vocab_out, L n_layers.
 *
 * Inputs: `tokens` int64 [B, T]; with `headMask`, `head_mask` float [L, H] multiplying each head's z (1
 * keeps a head, 0 zero-ablates it; any value scales it). Outputs: the selected hook points under their
 * names, with the batch axis, in TransformerLens's shapes (`blocks.0.attn.hook_pattern` [B, H, T, T],
 * `blocks.0.attn.hook_z` [B, T, H, Dh], …); `logits` [B, T, V]; `loss` [B, T − 1], the per-token
 * next-token loss. Only what the outputs depend on is in the graph: a patterns-only export has no
 * unembedding and no values of the last layer.
 *
 * The weights are stored under their state-dict names and in TransformerLens's layouts (`blocks.0.attn.W_Q`
 * [H, D, Dh]); the graph reshapes them, and onnxruntime folds those constant reshapes once at session start.
 * They are read through the model's public weight views, so the file is the weights plus a small graph.
 */
import type { HookedTransformer } from "../../model/hooked-transformer.js";
import type { Tensor } from "../../tensor.js";
import { float32ToFloat16Bits } from "../../weights/dtypes.js";
import { ElemType, OnnxGraphBuilder, loadOnnxProto, type Dim } from "./onnx-graph.js";
import { selectOutputs } from "./select-outputs.js";

export interface ExportOnnxOptions {
  /**
   * Hook points to return, as names or globs (`*` any run of characters, `?` one character), e.g.
   * `"blocks.*.attn.hook_z"`. An empty list returns none (then ask for `logits` or `loss`).
   * @default "blocks.*.attn.hook_pattern" (every layer's attention pattern)
   */
  outputs?: string | readonly string[];
  /** Return `logits` [batch, seq, d_vocab_out]. @default false */
  logits?: boolean;
  /** Return `loss` [batch, seq − 1]: −log p(tokens[t+1] | tokens[≤t]) for every t. @default false */
  loss?: boolean;
  /** Add the `head_mask` input [n_layers, n_heads] scaling each head's z (a required input then). @default false */
  headMask?: boolean;
  /** Storage type of the weights; float16 halves the file, and the graph still computes in float32. @default "float32" */
  dtype?: "float32" | "float16";
}

export interface OnnxExport {
  /** The serialized ONNX model. */
  bytes: Uint8Array;
  /** Graph inputs in order: `tokens`, then `head_mask` when exported with it. */
  inputs: string[];
  /** Graph outputs in order: the hook points (firing order), then `logits`, then `loss`. */
  outputs: string[];
}

const DEFAULT_OUTPUTS = ["blocks.*.attn.hook_pattern"];
const OPTION_KEYS = new Set(["outputs", "logits", "loss", "headMask", "dtype"]);

const BLOCK_HOOK = /^blocks\.(\d+)\.(attn\.)?hook_([a-z_]+)$/;
const ATTN_HOOKS = new Set(["q", "k", "v", "attn_scores", "pattern", "z", "result"]);
const BLOCK_HOOKS = new Set(["resid_pre", "attn_out", "resid_post"]);

/** Whether exportOnnx computes this hook point (every hook point of an attention-only model). */
export function onnxExportable(name: string): boolean {
  if (name === "hook_embed" || name === "hook_pos_embed") return true;
  const m = BLOCK_HOOK.exec(name);
  return m !== null && (m[2] ? ATTN_HOOKS : BLOCK_HOOKS).has(m[3]);
}

function checkOptions(opts: ExportOnnxOptions): Required<ExportOnnxOptions> & { outputs: readonly string[] } {
  if (opts === null || typeof opts !== "object") throw new TypeError("exportOnnx: options must be an object");
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.has(k))
      throw new TypeError(`exportOnnx: unknown option "${k}" (known: ${[...OPTION_KEYS].join(", ")})`);
  }
  for (const k of ["logits", "loss", "headMask"] as const) {
    if (opts[k] !== undefined && typeof opts[k] !== "boolean")
      throw new TypeError(`exportOnnx: option ${k} must be a boolean, got ${JSON.stringify(opts[k])}`);
  }
  const dtype = opts.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float16")
    throw new TypeError(`exportOnnx: dtype must be "float32" or "float16", got ${JSON.stringify(dtype)}`);
  const outputs =
    opts.outputs === undefined ? DEFAULT_OUTPUTS : typeof opts.outputs === "string" ? [opts.outputs] : opts.outputs;
  if (!Array.isArray(outputs)) throw new TypeError("exportOnnx: outputs must be a hook name, a glob or a list of them");
  return { outputs, logits: opts.logits ?? false, loss: opts.loss ?? false, headMask: opts.headMask ?? false, dtype };
}

/** Export `model` as an ONNX graph (see the module comment for its inputs and outputs). */
export async function exportOnnx(model: HookedTransformer, options: ExportOnnxOptions = {}): Promise<OnnxExport> {
  const opts = checkOptions(options);
  const cfg = model.cfg;
  if (cfg.attn_only !== true || cfg.normalization_type !== null || cfg.attention_dir !== "causal") {
    throw new RangeError(
      `exportOnnx: only causal attention-only models without normalization can be exported, this one has attn_only ${String(cfg.attn_only)}, normalization_type ${JSON.stringify(cfg.normalization_type)}`,
    );
  }
  const hooks = selectOutputs(opts.outputs, model.hookPoints, onnxExportable);
  if (hooks.length === 0 && !opts.logits && !opts.loss) {
    throw new RangeError("exportOnnx: nothing to export: give hook points in outputs, or logits: true, or loss: true");
  }
  const ignore = model.attnIgnore;

  const { onnx } = await loadOnnxProto();
  const g = new OnnxGraphBuilder(onnx);
  const { d_model: D, n_heads: H, d_head: Dh, n_layers: L, d_vocab_out: V } = cfg;
  const HD = H * Dh;
  const shortformer = cfg.positional_embedding_type === "shortformer";

  // ----- weights: initializers under their state-dict names, converted to float32 in the graph for fp16 -----
  const views = new Map<string, Tensor>();
  const view = (
    name: "W_E" | "W_pos" | "W_U" | "b_U" | "W_Q" | "W_K" | "W_V" | "W_O" | "b_Q" | "b_K" | "b_V" | "b_O",
  ) => {
    let t = views.get(name);
    if (!t) views.set(name, (t = model[name]));
    return t;
  };
  const weightValues = new Map<string, string>();
  /** The float32 value of weight `key` (a [L, …] view's layer `layer`, or a whole view). */
  const weight = (key: string, t: Tensor, layer?: number): string => {
    let v = weightValues.get(key);
    if (v) return v;
    const dims = layer === undefined ? t.shape : t.shape.slice(1);
    const n = dims.reduce((a, b) => a * b, 1);
    const data = layer === undefined ? t.data : t.data.subarray(layer * n, (layer + 1) * n);
    if (opts.dtype === "float16") {
      g.initializer(key, dims, ElemType.FLOAT16, float32ToFloat16Bits(data));
      v = g.node("Cast", [key], { to: ElemType.FLOAT });
    } else {
      v = g.initializer(key, dims, ElemType.FLOAT, data);
    }
    weightValues.set(key, v);
    return v;
  };

  // ----- inputs and position-dependent values -----
  const tokens = g.input("tokens", ElemType.INT64, ["batch", "seq"]);
  const headMask = opts.headMask ? g.input("head_mask", ElemType.FLOAT, [L, H]) : null;
  const memo = new Map<string, string>();
  const once = (key: string, build: () => string) => {
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = build()));
    return v;
  };
  const ints = (name: string, values: number[]) => once(`const:${name}`, () => g.int64(name, values));
  const positions = () =>
    once("positions", () => {
      const seq = g.node("Shape", [tokens], { start: 1, end: 2 });
      const T = g.node("Squeeze", [seq, ints("axes_0", [0])]);
      const zero = once("zero", () => g.int64("zero", [0], []));
      const one = once("one", () => g.int64("one", [1], []));
      return g.node("Range", [zero, T, one]);
    });
  // above[q, k] = k > q: the causal mask over [T, T], broadcast over batch and heads.
  const above = () =>
    once("above", () =>
      g.node("Greater", [
        g.node("Unsqueeze", [positions(), ints("axes_0", [0])]),
        g.node("Unsqueeze", [positions(), ints("axes_1", [1])]),
      ]),
    );
  const posRows = () =>
    once("pos_rows", () => g.node("Gather", [weight("pos_embed.W_pos", view("W_pos")), positions()]));

  // ----- the forward pass, built on demand: each hook point's value is named by the hook -----
  const embed = () =>
    once("hook_embed", () => g.node("Gather", [weight("embed.W_E", view("W_E")), tokens], {}, "hook_embed"));
  const residPre = (l: number): string =>
    once(`resid_pre${l}`, () =>
      l > 0 ? residPost(l - 1) : shortformer ? embed() : g.node("Add", [embed(), posRows()]),
    );
  const headsIn = (l: number, w: "W_Q" | "W_K" | "W_V", b: "b_Q" | "b_K" | "b_V", x: string, name: string) => {
    const p = `blocks.${l}.attn.`;
    const W = g.node("Reshape", [
      g.node("Transpose", [weight(`${p}${w}`, view(w), l)], { perm: [1, 0, 2] }),
      ints("shape_D_HD", [D, HD]),
    ]);
    const bias = g.node("Reshape", [weight(`${p}${b}`, view(b), l), ints("shape_HD", [HD])]);
    const y = g.node("Add", [g.node("MatMul", [x, W]), bias]);
    return g.node("Reshape", [y, ints("shape_heads", [0, 0, H, Dh])], {}, name);
  };
  const qkIn = (l: number) =>
    once(`qk_in${l}`, () => (shortformer ? g.node("Add", [residPre(l), posRows()]) : residPre(l)));
  const attn = (l: number, hook: string): string => {
    const p = `blocks.${l}.attn.`;
    return once(`${p}hook_${hook}`, () => {
      const name = `${p}hook_${hook}`;
      switch (hook) {
        case "q":
          return headsIn(l, "W_Q", "b_Q", qkIn(l), name);
        case "k":
          return headsIn(l, "W_K", "b_K", qkIn(l), name);
        case "v":
          return headsIn(l, "W_V", "b_V", residPre(l), name);
        case "attn_scores": {
          const q = g.node("Transpose", [attn(l, "q")], { perm: [0, 2, 1, 3] }); // [B, H, T, Dh]
          const kT = g.node("Transpose", [attn(l, "k")], { perm: [0, 2, 3, 1] }); // [B, H, Dh, T]
          const scale = once("attn_scale", () => g.scalar("attn_scale", cfg.attn_scale));
          const scaled = g.node("Div", [g.node("MatMul", [q, kT]), scale]);
          const fill = once(`ignore${l}`, () => g.scalar(`${p}IGNORE`, ignore[l]));
          return g.node("Where", [above(), fill, scaled], {}, name);
        }
        case "pattern":
          return g.node("Softmax", [attn(l, "attn_scores")], { axis: -1 }, name);
        case "z": {
          const v = g.node("Transpose", [attn(l, "v")], { perm: [0, 2, 1, 3] });
          const z = g.node("Transpose", [g.node("MatMul", [attn(l, "pattern"), v])], { perm: [0, 2, 1, 3] });
          if (!headMask) return g.node("Identity", [z], {}, name);
          const layer = g.node("Gather", [headMask, g.int64(g.fresh("layer"), [l], [])]); // [H]
          return g.node("Mul", [z, g.node("Reshape", [layer, ints("shape_H_1", [H, 1])])], {}, name);
        }
        case "result": {
          // [B, T, H, 1, Dh] · [H, Dh, D] → [B, T, H, 1, D]: each head's output without b_O.
          const z = g.node("Unsqueeze", [attn(l, "z"), ints("axes_3", [3])]);
          return g.node(
            "Squeeze",
            [g.node("MatMul", [z, weight(`${p}W_O`, view("W_O"), l)]), ints("axes_3", [3])],
            {},
            name,
          );
        }
        default:
          throw new Error(`exportOnnx: no graph for ${name}`);
      }
    });
  };
  const attnOut = (l: number): string =>
    once(`blocks.${l}.hook_attn_out`, () => {
      const p = `blocks.${l}.attn.`;
      const z = g.node("Reshape", [attn(l, "z"), ints("shape_flat", [0, 0, HD])]);
      const W_O = g.node("Reshape", [weight(`${p}W_O`, view("W_O"), l), ints("shape_HD_D", [HD, D])]);
      return g.node(
        "Add",
        [g.node("MatMul", [z, W_O]), weight(`${p}b_O`, view("b_O"), l)],
        {},
        `blocks.${l}.hook_attn_out`,
      );
    });
  const residPost = (l: number): string =>
    once(`blocks.${l}.hook_resid_post`, () =>
      g.node("Add", [residPre(l), attnOut(l)], {}, `blocks.${l}.hook_resid_post`),
    );
  const unembed = (x: string, name?: string) =>
    g.node(
      "Add",
      [g.node("MatMul", [x, weight("unembed.W_U", view("W_U"))]), weight("unembed.b_U", view("b_U"))],
      {},
      name,
    );

  /** The value of hook point `name`, aliased to that name when another hook computes it. */
  const hookValue = (name: string): string => {
    if (name === "hook_embed") return embed();
    if (name === "hook_pos_embed") {
      return g.node("Expand", [posRows(), g.node("Shape", [embed()])], {}, name); // [B, T, D], as TransformerLens's
    }
    const [, layer, inAttn, hook] = BLOCK_HOOK.exec(name)!;
    const l = Number(layer);
    if (inAttn) return attn(l, hook);
    const v = hook === "resid_pre" ? residPre(l) : hook === "attn_out" ? attnOut(l) : residPost(l);
    return v === name ? v : g.node("Identity", [v], {}, name);
  };

  const dimsOf = (name: string): Dim[] => {
    const hook = name.slice(name.lastIndexOf(".hook_") + 6);
    if (hook === "attn_scores" || hook === "pattern") return ["batch", H, "seq", "seq"];
    if (hook === "q" || hook === "k" || hook === "v" || hook === "z") return ["batch", "seq", H, Dh];
    if (hook === "result") return ["batch", "seq", H, D];
    return ["batch", "seq", D];
  };
  for (const name of hooks) {
    const v = hookValue(name);
    if (v !== name) throw new Error(`exportOnnx: internal error, ${name} computed as ${v}`);
    g.output(name, ElemType.FLOAT, dimsOf(name));
  }
  const final = () => residPost(L - 1);
  if (opts.logits) g.output(unembed(final(), "logits"), ElemType.FLOAT, ["batch", "seq", V]);
  if (opts.loss) {
    // Every position but the last predicts the next token: slice before the unembedding when logits are not
    // returned, so the last row's [V] is never computed.
    const sliceSeq = (x: string, start: number, end: number) =>
      g.node("Slice", [x, g.int64(g.fresh("start"), [start]), g.int64(g.fresh("end"), [end]), ints("axes_1", [1])]);
    const predicting = opts.logits ? sliceSeq("logits", 0, -1) : unembed(sliceSeq(final(), 0, -1));
    const targets = g.node("Unsqueeze", [sliceSeq(tokens, 1, Number.MAX_SAFE_INTEGER), ints("axes_2", [2])]);
    const logp = g.node("LogSoftmax", [predicting], { axis: -1 });
    const picked = g.node("GatherElements", [logp, targets], { axis: 2 });
    g.output(g.node("Neg", [g.node("Squeeze", [picked, ints("axes_2", [2])])], {}, "loss"), ElemType.FLOAT, [
      "batch",
      null,
    ]);
  }

  const outputs = [...hooks, ...(opts.logits ? ["logits"] : []), ...(opts.loss ? ["loss"] : [])];
  const bytes = g.encode({
    graphName: cfg.model_name || "attnscope",
    docString: `attnscope export of ${cfg.model_name || "a HookedTransformer"}: outputs ${outputs.join(", ")}`,
    metadata: { "attnscope.config": JSON.stringify(cfg), "attnscope.dtype": opts.dtype },
  });
  return { bytes, inputs: headMask ? ["tokens", "head_mask"] : ["tokens"], outputs };
}
