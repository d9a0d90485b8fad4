import { Command } from "commander";
import { logitAttribution } from "@attnscope/core";
import type { CliIO } from "../context.js";
import { tokenLine } from "../format.js";
import { loadModel, type ModelOptions } from "../load-model.js";
import { withInputOptions, withModelOptions } from "../options.js";
import { inputTokens, strTokens, type InputOptions } from "../tokens.js";

interface AttributeOptions extends ModelOptions, InputOptions {
  json?: boolean;
}

/**
 * `attnscope attribute`: ARENA's logit attribution of the correct next tokens (direct path, positions where they
 * enter the residual stream, every head and every MLP; through ln_final's scale in a model with LayerNorm).
 */
export function attributeCommand(io: CliIO): Command {
  const cmd = new Command("attribute").description(
    "attribute each correct next-token logit to the direct path, every head and every MLP",
  );
  withInputOptions(withModelOptions(cmd))
    .option(
      "--json",
      "print JSON: labels, attribution [T-1][components] (direct, pos_embed where positions enter the stream, every head, every MLP), correct_logits [T-1], bias_logits [T-1]",
    )
    .action(async (opts: AttributeOptions) => {
      const model = await loadModel(opts, io);
      const tokens = inputTokens(model, opts);
      if (tokens.length < 2)
        throw new Error("attribute needs at least two tokens: there is no next token to attribute");
      const { cache } = await model.runWithCache(tokens, {
        removeBatchDim: true,
        returnType: "none",
        namesFilter: (n) =>
          n === "hook_embed" ||
          n === "hook_pos_embed" ||
          /attn\.hook_(result|z)$/.test(n) ||
          n.endsWith("hook_mlp_out") ||
          n.endsWith("hook_resid_post") ||
          n === "ln_final.hook_scale",
      });
      const r = logitAttribution(cache, tokens);
      const rows = r.attribution.toArray() as number[][];
      if (opts.json) {
        io.stdout.write(
          `${JSON.stringify({ labels: r.labels, attribution: rows, correct_logits: Array.from(r.correctLogits), bias_logits: Array.from(r.biasLogits) })}\n`,
        );
        return;
      }
      const str = strTokens(model, tokens);
      const L = model.cfg.n_layers,
        H = model.cfg.n_heads;
      const mean = r.labels.map((_, c) => rows.reduce((s, row) => s + row[c], 0) / rows.length);
      const ranked = r.labels.map((label, c) => ({ label, v: mean[c] })).sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
      const lines = [
        `${tokens.length} tokens: ${tokenLine(str)}`,
        "",
        "mean attribution to the correct next token's logit, largest first:",
        ...ranked.slice(0, 12).map((x) => `  ${x.label.padEnd(10)} ${x.v.toFixed(3).padStart(9)}`),
        `  ${"bias".padEnd(10)} ${(Array.from(r.biasLogits).reduce((s, x) => s + x, 0) / rows.length).toFixed(3).padStart(9)}`,
        "",
        `per position (next token: correct logit = ${r.labels.length > 1 + L * H ? "the components" : "direct + heads"} + bias; largest head):`,
      ];
      const heads = r.labels.flatMap((label, c) => (/^\d+\.\d+$/.test(label) ? [c] : []));
      rows.forEach((row, t) => {
        let best = heads[0];
        for (const c of heads) if (Math.abs(row[c]) > Math.abs(row[best])) best = c;
        lines.push(
          `  ${String(t).padStart(4)} ${JSON.stringify(str[t + 1]).padEnd(14)} ${r.correctLogits[t].toFixed(3).padStart(8)}  direct ${row[0].toFixed(3)}  ${r.labels[best]} ${row[best].toFixed(3)}`,
        );
      });
      io.stdout.write(`${lines.join("\n")}\n`);
    });
  return cmd;
}
