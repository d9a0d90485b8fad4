import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { HookedTransformer, loadTokenizer, readSafetensors, type ProgressCallback, type Tokenizer } from "@attnscope/core";
import { CliError, type CliIO } from "./context.js";
import { progressBars } from "./progress.js";

export interface ModelOptions {
  /** Folder (config.json + model.safetensors|model.pth [+ tokenizer.json]), registry name or hf:owner/repo. */
  model?: string;
  /** tokenizer.json path (or "byte") overriding the model's own. */
  tokenizer?: string;
  /** Draw progress bars on stderr even when it is not a terminal. */
  progress?: boolean;
}

type FromPretrained = (
  source?: string,
  opts?: { onProgress?: ProgressCallback; tokenizer?: string | Tokenizer },
) => Promise<HookedTransformer>;

/** The model a command runs on: `--model` (default: the embedded model), with `--tokenizer` if given. */
export async function loadModel(opts: ModelOptions, io: CliIO): Promise<HookedTransformer> {
  const bars = progressBars(io, Boolean(opts.progress));
  try {
    const tokenizer = opts.tokenizer === undefined ? undefined : await loadTokenizer(opts.tokenizer, { onProgress: bars.onProgress });
    const fromPretrained = (HookedTransformer as unknown as { fromPretrained?: FromPretrained }).fromPretrained;
    if (fromPretrained) {
      return await fromPretrained.call(HookedTransformer, opts.model, { onProgress: bars.onProgress, tokenizer });
    }
    return await loadFolderModel(opts.model, tokenizer);
  } finally {
    bars.stop();
  }
}

/** Folder loading for builds whose core has no `fromPretrained` (safetensors weights only). */
async function loadFolderModel(dir: string | undefined, tokenizer: Tokenizer | undefined): Promise<HookedTransformer> {
  if (dir === undefined) throw new CliError("no embedded default model in this build: pass --model FOLDER");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`unknown model "${dir}": not a folder holding config.json and model.safetensors`);
  }
  const configFile = path.join(dir, "config.json");
  const weightsFile = path.join(dir, "model.safetensors");
  if (!existsSync(configFile)) throw new CliError(`${configFile} not found: a model folder needs config.json`);
  if (!existsSync(weightsFile)) throw new CliError(`${weightsFile} not found: a model folder needs model.safetensors`);
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  const bytes = readFileSync(weightsFile);
  const { tensors } = readSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), weightsFile);
  const tokFile = path.join(dir, "tokenizer.json");
  const tok = tokenizer ?? (existsSync(tokFile) ? await loadTokenizer(tokFile) : null);
  return new HookedTransformer(config, tensors, { tokenizer: tok, source: weightsFile });
}
