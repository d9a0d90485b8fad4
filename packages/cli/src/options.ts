import type { Command } from "commander";
import { KNOWN_MODELS } from "@attnscope/core";

/** `--model`, `--tokenizer`, `--progress`: shared by every command that runs a model. */
export function withModelOptions(cmd: Command): Command {
  return cmd
    .option(
      "--model <source>",
      `model folder (config.json + model.safetensors|model.pth [+ tokenizer.json]), a known model (${Object.keys(KNOWN_MODELS).join(", ")}) or hf:owner/repo (default: the embedded model)`,
    )
    .option("--tokenizer <file>", 'tokenizer.json overriding the model\'s own ("byte" for the byte-level tokenizer)')
    .option("--progress", "draw download progress bars on stderr even when it is not a terminal")
    .option(
      "--backend <engine>",
      "auto (SIMD kernels where they run, else plain TypeScript), kernels, ts, or ort (onnxruntime-node; runs no hooks)",
      "auto",
    )
    .option("--allow-non-finite", "build the model even when its weights hold NaN or ±Infinity (refused by default)")
    .option("--idle-timeout <seconds>", "a download that receives no byte for this long fails as stalled (default 30)")
    .option(
      "--processing <mode>",
      "TransformerLens's weight processing (fold_ln, center_writing_weights, center_unembed, fold_value_biases): default or none (default: default for known models and Hugging Face checkpoints, none for TransformerLens-format folders)",
    );
}

/** `--text` / `--tokens`. */
export function withInputOptions(cmd: Command): Command {
  return cmd
    .option("--text <text>", "text to run (BOS is prepended; default: ARENA's seed paragraph)")
    .option("--tokens <ids>", "comma-separated token ids, used as given (include BOS yourself), e.g. 0,1231,1158");
}
