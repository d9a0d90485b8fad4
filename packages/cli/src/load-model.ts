import {
  HookedTransformer,
  loadModelFiles,
  loadTokenizer,
  modelTokenizer,
  type ProgressCallback,
  type Tokenizer,
} from "@attnscope/core";
import { CliError, warn, type CliIO } from "./context.js";
import { parseNumber } from "./parse.js";
import { progressBars } from "./progress.js";

export interface ModelOptions {
  /** Folder (config.json + model.safetensors|model.pth [+ tokenizer.json]), registry name or hf:owner/repo. */
  model?: string;
  /** tokenizer.json path or URL (or "byte") overriding the model's own. */
  tokenizer?: string;
  /** Draw progress bars on stderr even when it is not a terminal. */
  progress?: boolean;
  /** Engine: "auto" (default), "kernels", "ts" or "ort" (onnxruntime-node). */
  backend?: string;
  /** Build the model even when its weights hold NaN or ±Infinity. */
  allowNonFinite?: boolean;
  /** Seconds without a byte after which a download fails as stalled. */
  idleTimeout?: string;
  /** TransformerLens's weight processing: "default" or "none" (default: the source's own). */
  processing?: string;
}

const BACKENDS = ["auto", "kernels", "ts", "ort"] as const;
const PROCESSING = ["default", "none"] as const;

type FromPretrained = (
  source?: string,
  opts?: {
    onProgress?: ProgressCallback;
    tokenizer?: string | Tokenizer;
    backend?: (typeof BACKENDS)[number];
    allowNonFinite?: boolean;
    onWarning?: (message: string) => void;
    idleTimeoutMs?: number;
    processing?: (typeof PROCESSING)[number];
  },
) => Promise<HookedTransformer>;

/** The model a command runs on: `--model` (default: the embedded model), with `--tokenizer` if given. */
export async function loadModel(opts: ModelOptions, io: CliIO): Promise<HookedTransformer> {
  const backend = (opts.backend ?? "auto") as (typeof BACKENDS)[number];
  if (!BACKENDS.includes(backend))
    throw new CliError(`--backend must be one of ${BACKENDS.join(", ")}, got ${JSON.stringify(opts.backend)}`);
  const processing = opts.processing as (typeof PROCESSING)[number] | undefined;
  if (processing !== undefined && !PROCESSING.includes(processing))
    throw new CliError(`--processing must be one of ${PROCESSING.join(", ")}, got ${JSON.stringify(opts.processing)}`);
  let idleTimeoutMs: number | undefined;
  if (opts.idleTimeout !== undefined) {
    const s = parseNumber(opts.idleTimeout, "--idle-timeout");
    if (!(s > 0))
      throw new CliError(
        `--idle-timeout must be a positive number of seconds, got ${JSON.stringify(opts.idleTimeout)}`,
      );
    idleTimeoutMs = s * 1000;
  }
  const bars = progressBars(io, Boolean(opts.progress));
  try {
    const onProgress = bars.onProgress;
    const onWarning = (m: string) => warn(io, m);
    const tokenizer =
      opts.tokenizer === undefined
        ? undefined
        : await loadTokenizer(opts.tokenizer, { onProgress, onWarning, idleTimeoutMs });
    const fromPretrained = (HookedTransformer as unknown as { fromPretrained?: FromPretrained }).fromPretrained;
    if (fromPretrained) {
      const model = await fromPretrained.call(HookedTransformer, opts.model, {
        onProgress,
        tokenizer,
        backend,
        allowNonFinite: opts.allowNonFinite,
        onWarning,
        idleTimeoutMs,
        processing,
      });
      // A folder written by `attnscope train` for a byte-level model has no tokenizer.json, only tokenizer_name.
      model.tokenizer ??= modelTokenizer(model.cfg);
      return model;
    }
    // Cores without fromPretrained: the same sources through loadModelFiles (no embedded default).
    if (opts.model === undefined) throw new CliError("no embedded default model in this build: pass --model");
    const files = await loadModelFiles(opts.model, {
      onProgress,
      onWarning,
      idleTimeoutMs,
      processing,
      tokenizer: tokenizer === undefined,
    });
    const tok = tokenizer ?? modelTokenizer(files.config, files.tokenizerJson, `${opts.model} tokenizer.json`);
    return new HookedTransformer(files.resolvedConfig, files.stateDict, {
      tokenizer: tok,
      source: files.source,
      allowNonFinite: opts.allowNonFinite,
    });
  } finally {
    bars.stop();
  }
}
