import { writeFile } from "node:fs/promises";
import { Command } from "commander";
import { exportOnnx } from "@attnscope/core";
import { CliError, type CliIO } from "../context.js";
import { loadModel, type ModelOptions } from "../load-model.js";
import { withModelOptions } from "../options.js";

interface ExportOnnxCliOptions extends ModelOptions {
  out?: string;
  outputs?: string;
  logits: boolean;
  loss: boolean;
  headMask: boolean;
  fp16: boolean;
}

/** `attnscope export-onnx`: the model as an ONNX graph returning hook points by name (core's exportOnnx). */
export function exportOnnxCommand(io: CliIO): Command {
  const cmd = new Command("export-onnx").description(
    "write the model as an ONNX graph (input tokens int64 [batch, seq]) that onnxruntime-web and onnxruntime-node run, returning hook points by name",
  );
  withModelOptions(cmd)
    .option("--out <file>", "ONNX file to write (required)")
    .option(
      "--outputs <globs>",
      "comma-separated hook names or globs to return, e.g. 'blocks.*.attn.hook_z' (default: every layer's hook_pattern; '' for none)",
    )
    .option("--logits", "also return logits [batch, seq, d_vocab]", false)
    .option("--loss", "also return the per-token loss [batch, seq - 1]", false)
    .option("--head-mask", "add a head_mask input [n_layers, n_heads] scaling each head's z (0 zero-ablates)", false)
    .option("--fp16", "store the weights as float16 (half the file; the graph still computes in float32)", false)
    .action(async (opts: ExportOnnxCliOptions) => {
      if (!opts.out) throw new CliError("export-onnx needs --out FILE.onnx");
      const outputs =
        opts.outputs === undefined
          ? undefined
          : opts.outputs
              .split(",")
              .map((g) => g.trim())
              .filter(Boolean);
      if (outputs?.length === 0 && !opts.logits && !opts.loss)
        throw new CliError("--outputs '' leaves nothing to export: add --logits or --loss, or name hook points");
      const model = await loadModel(opts, io);
      const started = performance.now();
      const exported = await exportOnnx(model, {
        outputs,
        logits: opts.logits,
        loss: opts.loss,
        headMask: opts.headMask,
        dtype: opts.fp16 ? "float16" : "float32",
      }).catch((e: Error) => {
        throw new CliError(e.message.replace(/^exportOnnx: /, opts.outputs === undefined ? "" : "--outputs: "));
      });
      await writeFile(opts.out, exported.bytes).catch((e: NodeJS.ErrnoException) => {
        throw new CliError(
          `cannot write ${opts.out}: ${e.code === "ENOENT" ? "its folder does not exist" : e.message}`,
        );
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      io.stderr.write(
        `wrote ${opts.out} (${(exported.bytes.length / 1e6).toFixed(1)} MB, ${opts.fp16 ? "float16" : "float32"} weights, ${seconds} s): ` +
          `inputs ${exported.inputs.join(", ")}; outputs ${exported.outputs.join(", ")}\n`,
      );
    });
  return cmd;
}
