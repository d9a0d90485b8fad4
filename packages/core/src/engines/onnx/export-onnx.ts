/**
 * `exportOnnx(model, options)`: a loaded HookedTransformer as an ONNX graph that onnxruntime (web or node)
 * runs, returning TransformerLens hook points by name. Every supported model exports: attention-only or with
 * MLPs (gelu, gelu_new, gelu_fast, relu, silu), with LayerNorm ("LN", "LNPre") or none, shortformer or standard
 * positions, scale_attn_by_inverse_layer_idx, with the weights as loaded (processed or not). The graph is
 * composed from one fragment per component (`forward-graph.ts`), under the hook names the components declare.
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
 * They are read through the model's `stateDict()`, so the file is the weights plus a small graph.
 */
import type { HookedTransformer } from "../../model/hooked-transformer.js";
import { forwardGraph, type ExportSource } from "./forward-graph.js";
import { ElemType, loadOnnxProto } from "./onnx-graph.js";
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

/**
 * The hook points `exportOnnx` can return for this model: every one its components declare (the fragments in
 * `fragments/` offer them under the components' declared names).
 */
export function onnxHookPoints(model: ExportSource): string[] {
  return [...forwardGraph(model, { dtype: "float32", headMask: false }).x.hooks.keys()];
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
  const { x, unembed } = forwardGraph(model, { dtype: opts.dtype, headMask: opts.headMask });
  const hooks = selectOutputs(opts.outputs, model.hookPoints, (n) => x.hooks.has(n));
  if (hooks.length === 0 && !opts.logits && !opts.loss) {
    throw new RangeError("exportOnnx: nothing to export: give hook points in outputs, or logits: true, or loss: true");
  }
  const { g } = x;
  for (const name of hooks) {
    const { build, dims } = x.hooks.get(name)!;
    const v = build();
    if (v !== name) throw new Error(`exportOnnx: internal error, ${name} computed as ${v}`);
    g.output(name, ElemType.FLOAT, dims);
  }
  if (opts.logits) g.output(unembed.logits(), ElemType.FLOAT, ["batch", "seq", cfg.d_vocab_out]);
  if (opts.loss) g.output(unembed.loss(opts.logits), ElemType.FLOAT, ["batch", null]);

  const outputs = [...hooks, ...(opts.logits ? ["logits"] : []), ...(opts.loss ? ["loss"] : [])];
  const { onnx } = await loadOnnxProto();
  const bytes = g.encode(onnx, {
    graphName: cfg.model_name || "attnscope",
    docString: `attnscope export of ${cfg.model_name || "a HookedTransformer"}: outputs ${outputs.join(", ")}`,
    metadata: { "attnscope.config": JSON.stringify(cfg), "attnscope.dtype": opts.dtype },
  });
  return { bytes, inputs: x.headMask ? ["tokens", "head_mask"] : ["tokens"], outputs };
}
