/**
 * Hugging Face GPT-2 checkpoints (`config.json` with `model_type` "gpt2", `model.safetensors` with Hugging
 * Face's names) → TransformerLens's config and state dict, as TransformerLens's `convert_hf_model_config` and
 * `convert_gpt2_weights` make them (what `from_pretrained_no_processing` holds).
 *
 * Dimensions: V = d_vocab, P = stored positions (n_positions), C = n_ctx, D = d_model, H = n_heads,
 * Dh = d_head, M = d_mlp.
 *
 * Hugging Face's `Conv1D` layers store weights [in, out], which is TransformerLens's `x @ W` orientation:
 * `c_attn` [D, 3D] splits into W_Q / W_K / W_V [H, D, Dh], `c_proj` [D, D] is W_O [H, Dh, D] as it lies in
 * memory. The unembedding is `lm_head.weight` transposed, or `wte` transposed when the head is tied (absent).
 *
 * Tensors whose layout does not change are views of the input's arrays (as a safetensors state dict's are views
 * of the file), so converting GPT-2 small allocates only W_Q/W_K/W_V and W_U, not a second 500 MB.
 */
import { ConfigError, type HookedTransformerConfigInput } from "../config.js";
import { WeightsError } from "../weights/errors.js";
import type { StateDict, StateDictTensor } from "../weights/state-dict.js";

/** Hugging Face's `activation_function` names → TransformerLens's `act_fn` (GPT-2's own default is gelu_new). */
const HF_ACTIVATIONS: Record<string, string> = {
  gelu_new: "gelu_new",
  gelu: "gelu",
  gelu_fast: "gelu_fast",
  relu: "relu",
  silu: "silu",
  swish: "silu",
  // PyTorch's tanh-approximate GELU is gelu_new's formula.
  gelu_pytorch_tanh: "gelu_new",
};

/** True when a config.json is Hugging Face's (it names a model_type or architectures) rather than TransformerLens's. */
export function isHfConfig(json: Record<string, unknown>): boolean {
  return !("d_model" in json) && ("model_type" in json || "architectures" in json);
}

export interface HfConversionOptions {
  /** Model name, for `model_name` (its last path segment) and `tokenizer_name` (e.g. "openai-community/gpt2"). */
  modelName?: string;
}

/**
 * TransformerLens config fields for a Hugging Face GPT-2 `config.json`, as `convert_hf_model_config` maps
 * them (`d_mlp` from `n_inner` when the checkpoint sets one, as Hugging Face builds the model).
 * Any other architecture is refused, naming it.
 */
export function convertHfGpt2Config(
  hf: Record<string, unknown>,
  source = "config.json",
  opts: HfConversionOptions = {},
): HookedTransformerConfigInput {
  const fail = (field: string, why: string): never => {
    throw new ConfigError(`${source}: ${why}`, field);
  };
  if (hf === null || typeof hf !== "object" || Array.isArray(hf)) fail("model_type", "expected a JSON object");
  const architectures = Array.isArray(hf.architectures) ? (hf.architectures as unknown[]) : [];
  if (hf.model_type !== "gpt2") {
    const arch = architectures.length ? ` (${architectures.map((a) => JSON.stringify(a)).join(", ")})` : "";
    fail(
      "model_type",
      `unsupported architecture: model_type ${JSON.stringify(hf.model_type ?? null)}${arch}; attnscope converts ` +
        'Hugging Face GPT-2 checkpoints (model_type "gpt2", GPT2LMHeadModel) and TransformerLens-format folders',
    );
  }
  const bad = architectures.filter((a) => a !== "GPT2LMHeadModel" && a !== "GPT2Model");
  if (bad.length) {
    fail("architectures", `unsupported architecture ${JSON.stringify(bad[0])}: attnscope runs GPT2LMHeadModel`);
  }
  const int = (field: string, fallback?: unknown): number => {
    const v = hf[field] ?? fallback;
    if (v === undefined) fail(field, `field "${field}" is required`);
    if (!(typeof v === "number" && Number.isInteger(v) && v > 0))
      fail(field, `field "${field}" must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const d_model = int("n_embd");
  const n_heads = int("n_head");
  if (d_model % n_heads !== 0) fail("n_head", `n_embd ${d_model} is not divisible by n_head ${n_heads}`);
  const n_layers = int("n_layer");
  const d_vocab = int("vocab_size");
  // Older GPT-2 configs name the context n_ctx, newer ones n_positions only.
  const n_ctx = int("n_ctx", hf.n_positions);
  const d_mlp = hf.n_inner === undefined || hf.n_inner === null ? 4 * d_model : int("n_inner");
  const hfAct = hf.activation_function ?? "gelu_new";
  const act_fn = HF_ACTIVATIONS[hfAct as string];
  if (typeof hfAct !== "string" || act_fn === undefined) {
    fail(
      "activation_function",
      `field "activation_function" = ${JSON.stringify(hfAct)} is not supported (supported: ${Object.keys(HF_ACTIVATIONS).join(", ")})`,
    );
  }
  const eps = hf.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== "number" || !(eps >= 0))
    fail("layer_norm_epsilon", `field "layer_norm_epsilon" must be a number ≥ 0, got ${JSON.stringify(eps)}`);
  const scaleByLayer = hf.scale_attn_by_inverse_layer_idx ?? false;
  if (typeof scaleByLayer !== "boolean")
    fail(
      "scale_attn_by_inverse_layer_idx",
      `field "scale_attn_by_inverse_layer_idx" must be a boolean, got ${JSON.stringify(scaleByLayer)}`,
    );
  const scaleWeights = hf.scale_attn_weights ?? true;
  if (typeof scaleWeights !== "boolean")
    fail("scale_attn_weights", `field "scale_attn_weights" must be a boolean, got ${JSON.stringify(scaleWeights)}`);
  // Cross-attention layers (an encoder-decoder GPT-2) are weights and a computation attnscope does not have.
  if (hf.add_cross_attention !== undefined && hf.add_cross_attention !== false)
    fail(
      "add_cross_attention",
      `field "add_cross_attention" = ${JSON.stringify(hf.add_cross_attention)} is not supported`,
    );
  const name = opts.modelName;
  return {
    d_model,
    d_head: d_model / n_heads,
    n_heads,
    d_mlp,
    n_layers,
    n_ctx,
    eps,
    d_vocab,
    act_fn,
    use_attn_scale: scaleWeights,
    use_local_attn: false,
    scale_attn_by_inverse_layer_idx: scaleByLayer,
    normalization_type: "LN",
    original_architecture: "GPT2LMHeadModel",
    positional_embedding_type: "standard",
    ...(name ? { model_name: name.split("/").pop(), tokenizer_name: name } : {}),
  };
}

/** The TransformerLens config fields the weight conversion reads (those of `convertHfGpt2Config`). */
export interface Gpt2Dims {
  d_model: number;
  n_heads: number;
  d_head: number;
  d_mlp: number | null;
  n_layers: number;
  n_ctx: number;
  d_vocab: number;
}

/** Buffers a GPT-2 checkpoint may hold that TransformerLens rebuilds (causal mask, masked-score value). */
const IGNORED_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * TransformerLens's state dict of a Hugging Face GPT-2 state dict (keys with or without the `transformer.`
 * prefix), as `convert_gpt2_weights` makes it, with the buffers TransformerLens saves beside it (`mask`,
 * `IGNORE`) and `unembed.b_U` = 0 as its `fill_missing_keys` adds. Every missing, mis-shaped or unexpected
 * key is reported by name.
 */
export function convertGpt2Weights(hfStateDict: StateDict, cfg: Gpt2Dims, source = "model.safetensors"): StateDict {
  const { d_model: D, n_heads: H, d_head: Dh, n_layers: L, n_ctx: C, d_vocab: V } = cfg;
  const M = cfg.d_mlp ?? 4 * D;
  if (H * Dh !== D) throw new ConfigError(`${source}: n_heads · d_head = ${H * Dh} must equal d_model ${D}`, "d_head");
  const sd = new Map<string, StateDictTensor>();
  for (const [k, t] of hfStateDict) {
    const key = k.startsWith("transformer.") ? k.slice("transformer.".length) : k;
    if (sd.has(key))
      throw new WeightsError(`${source}: key ${key} appears with and without "transformer."`, source, key);
    sd.set(key, t);
  }
  const used = new Set<string>();
  const problems: string[] = [];
  const get = (key: string, shape: number[], hint = ""): Float32Array => {
    used.add(key);
    const t = sd.get(key);
    if (!t) {
      problems.push(`missing key ${key}, expected shape [${shape.join(", ")}]${hint}`);
      return new Float32Array(shape.reduce((a, b) => a * b, 1));
    }
    const okShape =
      t.shape.length === shape.length &&
      t.shape.every((d, i) => d === shape[i] || (i === 0 && key === "wpe.weight" && d >= shape[0]));
    if (!okShape) problems.push(`${key} has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
    else if (!(t.data instanceof Float32Array))
      problems.push(`${key} has dtype ${t.dtype}, expected a floating-point tensor`);
    return t.data instanceof Float32Array && okShape ? t.data : new Float32Array(shape.reduce((a, b) => a * b, 1));
  };

  const out: StateDict = new Map();
  const put = (key: string, shape: number[], data: Float32Array) => out.set(key, { dtype: "float32", shape, data });
  const wte = get("wte.weight", [V, D]);
  put("embed.W_E", [V, D], wte);
  // TransformerLens keeps the first n_ctx positions when the checkpoint stores more.
  put("pos_embed.W_pos", [C, D], get("wpe.weight", [C, D]).subarray(0, C * D));
  const mask = new Uint8Array(C * C);
  for (let i = 0; i < C; i++) mask.fill(1, i * C, i * C + i + 1);
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`;
    const b = `blocks.${l}.`;
    put(`${b}ln1.w`, [D], get(`${h}ln_1.weight`, [D]));
    put(`${b}ln1.b`, [D], get(`${h}ln_1.bias`, [D]));
    put(`${b}ln2.w`, [D], get(`${h}ln_2.weight`, [D]));
    put(`${b}ln2.b`, [D], get(`${h}ln_2.bias`, [D]));
    const cAttn = get(`${h}attn.c_attn.weight`, [D, 3 * D]);
    const cAttnB = get(`${h}attn.c_attn.bias`, [3 * D]);
    ["Q", "K", "V"].forEach((name, part) => {
      // W[m, part·D + i·Dh + e] → W_part[i, m, e]  ("m (i h) -> i m h")
      const w = new Float32Array(H * D * Dh);
      for (let i = 0; i < H; i++)
        for (let m = 0; m < D; m++) {
          const src = m * 3 * D + part * D + i * Dh;
          w.set(cAttn.subarray(src, src + Dh), (i * D + m) * Dh);
        }
      put(`${b}attn.W_${name}`, [H, D, Dh], w);
      put(`${b}attn.b_${name}`, [H, Dh], cAttnB.subarray(part * D, (part + 1) * D));
    });
    // "(i h) m -> i h m" is the same memory order.
    put(`${b}attn.W_O`, [H, Dh, D], get(`${h}attn.c_proj.weight`, [D, D]));
    put(`${b}attn.b_O`, [D], get(`${h}attn.c_proj.bias`, [D]));
    out.set(`${b}attn.mask`, { dtype: "bool", shape: [C, C], data: mask });
    out.set(`${b}attn.IGNORE`, { dtype: "float32", shape: [], data: Float32Array.of(-Infinity) });
    put(`${b}mlp.W_in`, [D, M], get(`${h}mlp.c_fc.weight`, [D, M]));
    put(`${b}mlp.b_in`, [M], get(`${h}mlp.c_fc.bias`, [M]));
    put(`${b}mlp.W_out`, [M, D], get(`${h}mlp.c_proj.weight`, [M, D]));
    put(`${b}mlp.b_out`, [D], get(`${h}mlp.c_proj.bias`, [D]));
  }
  put("ln_final.w", [D], get("ln_f.weight", [D], " (the final LayerNorm, before the unembedding)"));
  put("ln_final.b", [D], get("ln_f.bias", [D], " (the final LayerNorm, before the unembedding)"));
  // W_U = lm_head.weightᵀ [D, V]; a tied head (GPT-2's) is absent from the file and is wteᵀ.
  const head = sd.has("lm_head.weight") ? get("lm_head.weight", [V, D]) : wte;
  used.add("lm_head.weight");
  const wU = new Float32Array(D * V);
  for (let v = 0; v < V; v++) for (let m = 0; m < D; m++) wU[m * V + v] = head[v * D + m];
  put("unembed.W_U", [D, V], wU);
  put("unembed.b_U", [V], new Float32Array(V));

  const unknown = [...sd.keys()].filter((k) => !used.has(k) && !IGNORED_BUFFER.test(k));
  if (unknown.length) {
    const shown = unknown.slice(0, 8).join(", ") + (unknown.length > 8 ? `, ... (${unknown.length} in all)` : "");
    problems.push(`unexpected key${unknown.length > 1 ? "s" : ""} for a ${L}-layer GPT-2 checkpoint: ${shown}`);
  }
  if (problems.length) {
    const first = problems[0].match(/^(missing key |)([\w.]+)/)?.[2];
    throw new WeightsError(problems.map((p) => `${source}: ${p}`).join("\n"), source, first);
  }
  return out;
}
