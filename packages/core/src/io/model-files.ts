/**
 * `loadModelFiles`: everything needed to build a model, from one model source —
 *   - a folder (Node) with `config.json` + `model.safetensors` or `model.pth` (+ optional `tokenizer.json`):
 *     TransformerLens's format, or a Hugging Face GPT-2 checkpoint (`model_type` "gpt2"), converted as
 *     TransformerLens's `convert_gpt2_weights` does,
 *   - a known model's name (`attn-only-2l-half`),
 *   - `hf:owner/repo` (config from the registry when the repo is a known model's, else the repo's
 *     `config.json`; weights `model.safetensors` or `model.pth`) or `hf:owner/repo/weights-file`,
 *   - or explicit `{config, weights, tokenizer?}`, each a source or (config, tokenizer) an object.
 * The state dict is checked against the config, then processed as TransformerLens's `from_pretrained` does
 * (`processing`: by default "default" for known models and Hugging Face checkpoints, "none" for a
 * TransformerLens-format folder, as its `HookedTransformer(cfg)` + `load_state_dict` path gives).
 */
import { openLocalSafetensors } from "./lazy-safetensors.js";
import { resolveConfig } from "../config.js";
import type { HookedTransformerConfig, HookedTransformerConfigInput } from "../config.js";
import { convertGpt2Weights, convertHfGpt2Config, isHfConfig } from "../convert/hf-gpt2.js";
import { convertNeelConfig } from "../convert/neel.js";
import { processWeights, type WeightProcessing, type WeightProcessingFlags } from "../processing/weight-processing.js";
import {
  KNOWN_MODELS,
  getKnownModel,
  isKnownModel,
  type CheckpointFormat,
  type KnownModel,
} from "../registry/known-models.js";
import { checkStateDict, parseWeights } from "../weights/load.js";
import type { StateDict } from "../weights/state-dict.js";
import { DownloadError } from "./download.js";
import { isNode, nodeFs, nodePath } from "./env.js";
import { isHfSource, parseHfSource } from "./hf.js";
import { isListedHfSource, resolveListedHfSource } from "./hf-listing.js";
import { readJsonSource, readSource, sourceName } from "./source.js";
import type { ReadSourceOptions, Source } from "./source.js";

export interface ModelFilesSpec {
  config: HookedTransformerConfigInput | Source;
  weights: Source;
  tokenizer?: Source | Record<string, unknown>;
}

export type ModelSource = string | ModelFilesSpec;

export interface LoadModelFilesOptions extends ReadSourceOptions {
  /** Fetch the tokenizer too (default true). */
  tokenizer?: boolean;
  /**
   * TransformerLens's weight processing (fold_ln, center_writing_weights, center_unembed, fold_value_biases):
   * "default" (`from_pretrained`), "none" (`from_pretrained_no_processing`) or flags. Default: the known model's
   * own, "default" for a Hugging Face checkpoint, "none" for a TransformerLens-format folder. Steps a model
   * cannot take (a shortformer model folds no LayerNorm) are skipped, with an `onWarning` saying why when the
   * option was given.
   */
  processing?: WeightProcessing;
  /**
   * For a local safetensors file (Node): read each tensor from the file when its data is first used, into its
   * own buffer, instead of the whole file at once (what `fromPretrained` does when the weights go to kernels
   * memory). The state dict does not keep what it read: an edit to a tensor's data is lost once nothing holds
   * that array. @default false
   */
  readTensorsOnUse?: boolean;
}

export interface ModelFiles {
  /** TransformerLens config fields as read (converted from a Hugging Face or NeelNanda config.json). */
  config: HookedTransformerConfigInput;
  /** The config resolved and validated (TransformerLens defaults filled in). */
  resolvedConfig: HookedTransformerConfig;
  stateDict: StateDict;
  /** Parsed tokenizer.json, when the source has one. */
  tokenizerJson?: unknown;
  /** Where the weights came from, for messages. */
  source: string;
  /** The checkpoint's layout. */
  format: CheckpointFormat;
  /** The processing steps applied to `stateDict` (`resolvedConfig` says "LNPre" once LayerNorm is folded). */
  processing: WeightProcessingFlags;
}

interface Plan {
  config: HookedTransformerConfigInput | Source;
  /** The checkpoint's layout; detected from config.json when undefined. */
  format?: CheckpointFormat;
  /** Processing when the caller gives none. */
  processing?: WeightProcessing;
  weights: Source | Source[]; // alternatives, tried in order while they are missing (404)
  tokenizer?: Source | Record<string, unknown>;
  tokenizerOptional?: boolean;
  name: string;
}

export async function loadModelFiles(source: ModelSource, opts: LoadModelFilesOptions = {}): Promise<ModelFiles> {
  const plan = await planFor(source);
  const json = await loadConfig(plan.config, opts);
  const configName =
    typeof plan.config === "object" && !isBytes(plan.config)
      ? `${plan.name} config`
      : sourceName(plan.config as Source);
  let format = plan.format ?? (isHfConfig(json) ? "hf-gpt2" : "transformer-lens");
  const config =
    format === "neel"
      ? convertNeelConfig(json, configName)
      : format === "hf-gpt2" && isHfConfig(json)
        ? convertHfGpt2Config(json, configName, { modelName: hfModelName(source) })
        : json;
  // Refused here, before any download, when the forward pass does not compute this architecture.
  let resolvedConfig = resolveConfig(config, configName);

  const { bytes, size, name, stateDict: parsed } = await readFirstAvailable(plan.weights, opts);
  opts.onProgress?.({ phase: "parse", file: name, loaded: 0, total: size });
  let stateDict = parsed ?? parseWeights(bytes!, name);
  // Hugging Face GPT-2 weights given with a TransformerLens config (a dropped model.safetensors and a known
  // config, say) are recognised by their names and converted too.
  if (format === "transformer-lens" && (stateDict.has("wte.weight") || stateDict.has("transformer.wte.weight")))
    format = "hf-gpt2";
  if (format === "hf-gpt2") stateDict = convertGpt2Weights(stateDict, resolvedConfig, name);
  opts.onProgress?.({ phase: "parse", file: name, loaded: size, total: size });
  checkStateDict(stateDict, resolvedConfig, name);
  const processing = opts.processing ?? plan.processing ?? (format === "transformer-lens" ? "none" : "default");
  const processed = processWeights(stateDict, resolvedConfig, processing, name);
  // As TransformerLens logs a warning: only for steps the caller asked for.
  const warn = opts.onWarning ?? ((m: string) => console.warn(`attnscope: ${m}`));
  if (opts.processing !== undefined) for (const note of processed.notes) warn(`${name}: ${note}`);
  stateDict = processed.stateDict;
  resolvedConfig = { ...resolvedConfig, normalization_type: processed.normalization_type };

  let tokenizerJson: unknown;
  if (plan.tokenizer !== undefined && opts.tokenizer !== false) {
    if (typeof plan.tokenizer === "object" && !isBytes(plan.tokenizer) && !(plan.tokenizer instanceof URL)) {
      tokenizerJson = plan.tokenizer;
    } else {
      try {
        tokenizerJson = await readJsonSource(plan.tokenizer as Source, opts);
      } catch (e) {
        if (!(plan.tokenizerOptional && isMissing(e))) throw e;
      }
    }
  }
  return { config, resolvedConfig, stateDict, tokenizerJson, source: name, format, processing: processed.applied };
}

/** `owner/repo` of an `hf:` source, as TransformerLens names a model (its model_name and tokenizer_name). */
function hfModelName(source: ModelSource): string | undefined {
  return typeof source === "string" && isHfSource(source) ? parseHfSource(source).repo : undefined;
}

function knownPlan(m: KnownModel, name: string): Plan {
  return {
    config: m.config ?? m.configFile!,
    format: m.format ?? "transformer-lens",
    processing: m.processing ?? "default",
    weights: m.weights,
    tokenizer: m.tokenizer,
    name,
  };
}

function isBytes(v: unknown): boolean {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v) || (typeof Blob !== "undefined" && v instanceof Blob);
}

function isMissing(e: unknown): boolean {
  return (e instanceof DownloadError && e.status === 404) || /: no such file$/.test((e as Error).message);
}

async function loadConfig(config: Plan["config"], opts: ReadSourceOptions): Promise<HookedTransformerConfigInput> {
  if (typeof config === "object" && !isBytes(config) && !(config instanceof URL))
    return config as HookedTransformerConfigInput;
  const json = await readJsonSource(config as Source, opts);
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new Error(`${sourceName(config as Source)}: expected a JSON object of config fields`);
  return json as HookedTransformerConfigInput;
}

async function readFirstAvailable(
  weights: Source | Source[],
  opts: ReadSourceOptions & { readTensorsOnUse?: boolean },
): Promise<{ bytes?: Uint8Array; size: number; name: string; stateDict?: StateDict }> {
  const list = Array.isArray(weights) ? weights : [weights];
  for (let i = 0; i < list.length; i++) {
    try {
      const given = list[i];
      const source = isListedHfSource(given) ? await resolveListedHfSource(given, opts) : given;
      const name = sourceName(source);
      const lazy = opts.readTensorsOnUse ? await openLocalSafetensors(source, name) : null;
      if (lazy) {
        opts.onProgress?.({ phase: "read", file: name, loaded: lazy.size, total: lazy.size });
        return { size: lazy.size, name, stateDict: lazy.stateDict };
      }
      // A download is parsed before it is cached, so a damaged or wrong file never sticks; the parse is kept.
      let stateDict: StateDict | undefined;
      const bytes = await readSource(source, {
        ...opts,
        format: "weights",
        validate: (b) => void (stateDict = parseWeights(b, name)),
      });
      return { bytes, size: bytes.length, name, stateDict };
    } catch (e) {
      if (i === list.length - 1 || !isMissing(e)) throw e;
    }
  }
  throw new Error("no weights source");
}

async function planFor(source: ModelSource): Promise<Plan> {
  if (typeof source === "object") {
    if (source.config === undefined || source.weights === undefined)
      throw new Error("a model source object needs `config` and `weights`");
    return {
      config: source.config,
      weights: source.weights,
      tokenizer: source.tokenizer,
      name: sourceName(source.weights),
    };
  }
  if (isKnownModel(source)) return knownPlan(getKnownModel(source), source);
  if (isHfSource(source)) {
    const { repo, revision, path } = parseHfSource(source);
    const base = `hf:${repo}${revision === "main" ? "" : `@${revision}`}`;
    const known = Object.values(KNOWN_MODELS).find(
      (m) => m.weights.startsWith(`hf:${repo}/`) && (!path || m.weights === source),
    );
    if (known && revision === "main") return knownPlan(getKnownModel(known.name), source);
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
    return {
      config: `${base}/${dir}config.json`,
      weights: path ? source : [`${base}/model.safetensors`, `${base}/model.pth`],
      tokenizer: `${base}/${dir}tokenizer.json`,
      tokenizerOptional: true,
      name: source,
    };
  }
  if (/^https?:\/\//i.test(source)) {
    throw new Error(`${source}: a URL names one file; pass {config, weights, tokenizer} with a URL for each`);
  }
  if (!isNode) throw new Error(`unknown model "${source}"; known models: ${Object.keys(KNOWN_MODELS).join(", ")}`);
  return planForPath(source);
}

async function planForPath(p: string): Promise<Plan> {
  const [fs, path] = await Promise.all([nodeFs(), nodePath()]);
  const exists = (f: string) =>
    fs.stat(f).then(
      (s) => s.isFile(),
      () => false,
    );
  const stat = await fs.stat(p).catch(() => undefined);
  if (!stat) {
    throw new Error(
      `"${p}" is neither a folder nor a known model (known models: ${Object.keys(KNOWN_MODELS).join(", ")})`,
    );
  }
  const dir = stat.isDirectory() ? p : path.dirname(p);
  const config = path.join(dir, "config.json");
  if (!(await exists(config)))
    throw new Error(`${dir}: no config.json (a model folder holds config.json and model.safetensors or model.pth)`);
  let weights = p;
  if (stat.isDirectory()) {
    const found = [];
    for (const f of ["model.safetensors", "model.pth"])
      if (await exists(path.join(dir, f))) found.push(path.join(dir, f));
    if (!found.length) throw new Error(`${dir}: no model.safetensors or model.pth`);
    weights = found[0];
  }
  const tokenizer = path.join(dir, "tokenizer.json");
  return { config, weights, tokenizer: (await exists(tokenizer)) ? tokenizer : undefined, name: weights };
}
