import { writeFile } from "node:fs/promises";
import { Command } from "commander";
import { writeSafetensors, type TensorToWrite } from "@attnscope/core";
import { CliError, type CliIO } from "../context.js";
import { loadModel, type ModelOptions } from "../load-model.js";
import { withInputOptions, withModelOptions } from "../options.js";
import { globsToMatcher } from "../parse.js";
import { inputTokens, type InputOptions } from "../tokens.js";

interface CacheOptions extends ModelOptions, InputOptions {
  names?: string;
  out?: string;
  logits: boolean;
}

/** `attnscope cache`: every hook activation of one run (batch dim removed) and the logits, as float32 safetensors. */
export function cacheCommand(io: CliIO): Command {
  const cmd = new Command("cache").description(
    "run the model and write its activation cache (and logits) to a safetensors file",
  );
  withInputOptions(withModelOptions(cmd))
    .option(
      "--names <globs>",
      "comma-separated hook names or globs to keep, e.g. 'blocks.*.attn.hook_pattern' (default: every hook)",
    )
    .option("--out <file>", "safetensors file to write (required)")
    .option("--no-logits", "leave out the logits [pos, d_vocab]")
    .action(async (opts: CacheOptions) => {
      if (!opts.out) throw new CliError("cache needs --out FILE.safetensors");
      const model = await loadModel(opts, io);
      let filter: ((name: string) => boolean) | undefined;
      if (opts.names !== undefined) {
        const globs = globsToMatcher(opts.names);
        const missing = globs.unmatched(model.hookPoints);
        if (missing.length) {
          throw new CliError(
            `--names ${missing.map((g) => JSON.stringify(g)).join(", ")} match${missing.length === 1 ? "es" : ""} no hook point; ` +
              `hook points: ${model.hookPoints.join(", ")}`,
          );
        }
        filter = globs.matches;
      }
      const tokens = inputTokens(model, opts);
      const { cache, logits } = await model.runWithCache(tokens, {
        namesFilter: filter ?? (() => true),
        removeBatchDim: true,
        returnType: opts.logits ? "logits" : "none",
      });
      const tensors = new Map<string, TensorToWrite>();
      for (const [name, t] of cache.entries()) tensors.set(name, { dtype: "float32", shape: t.shape, data: t.data });
      if (logits) {
        // TransformerLens keeps the batch axis on logits; the file holds one sequence, so drop it like the hooks'.
        const shape = logits.shape.length === 3 ? logits.shape.slice(1) : logits.shape;
        tensors.set("logits", { dtype: "float32", shape, data: logits.data });
      }
      const bytes = writeSafetensors(tensors, { tokens: JSON.stringify(tokens) });
      await writeFile(opts.out, bytes).catch((e: NodeJS.ErrnoException) => {
        throw new CliError(
          `cannot write ${opts.out}: ${e.code === "ENOENT" ? "its folder does not exist" : e.message}`,
        );
      });
      io.stderr.write(
        `wrote ${tensors.size} tensors (${tokens.length} tokens) to ${opts.out} (${(bytes.length / 1e6).toFixed(1)} MB)\n`,
      );
    });
  return cmd;
}
