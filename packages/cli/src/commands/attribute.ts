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

/** `attnscope attribute`: ARENA's logit attribution of the correct next tokens (direct path and every head). */
export function attributeCommand(io: CliIO): Command {
  const cmd = new Command("attribute").description(
    "attribute each correct next-token logit to the direct path and every head",
  );
  withInputOptions(withModelOptions(cmd))
    .option("--json", "print JSON: labels, attribution [T-1][1 + L·H], correct_logits [T-1], bias_logits [T-1]")
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
          n.endsWith("hook_resid_post"),
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
      const mean = r.labels.map((_, c) => rows.reduce((s, row) => s + row[c], 0) / rows.length);
      const ranked = r.labels.map((label, c) => ({ label, v: mean[c] })).sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
      const lines = [
        `${tokens.length} tokens: ${tokenLine(str)}`,
        "",
        "mean attribution to the correct next token's logit, largest first:",
        ...ranked.slice(0, 12).map((x) => `  ${x.label.padEnd(7)} ${x.v.toFixed(3).padStart(9)}`),
        `  ${"bias".padEnd(7)} ${(Array.from(r.biasLogits).reduce((s, x) => s + x, 0) / rows.length).toFixed(3).padStart(9)}`,
        "",
        "per position (next token: correct logit = direct + heads + bias; largest head):",
      ];
      rows.forEach((row, t) => {
        let best = 1;
        for (let c = 2; c < row.length; c++) if (Math.abs(row[c]) > Math.abs(row[best])) best = c;
        lines.push(
          `  ${String(t).padStart(4)} ${JSON.stringify(str[t + 1]).padEnd(14)} ${r.correctLogits[t].toFixed(3).padStart(8)}  direct ${row[0].toFixed(3)}  ${r.labels[best]} ${row[best].toFixed(3)}`,
        );
      });
      io.stdout.write(`${lines.join("\n")}\n`);
    });
  return cmd;
}
