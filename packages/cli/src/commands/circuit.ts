import { Command } from "commander";
import {
  compositionBaseline,
  compositionScores,
  findInductionCircuits,
  kCompositionTop1Table,
  ovCircuitTable,
  positionalQkScore,
  resolveVocab,
  type HookedTransformer,
  type VocabRange,
} from "@attnscope/core";
import { CliError, type CliIO } from "../context.js";
import { pairTable, scoreTable } from "../format.js";
import { loadModel, type ModelOptions } from "../load-model.js";
import { withModelOptions } from "../options.js";
import { parseInteger } from "../parse.js";
import { workBar } from "../progress.js";

interface CircuitOptions extends ModelOptions {
  vocab?: string;
  baselineSamples: string;
  seed: string;
  json?: boolean;
}

/** `--vocab LO:HI` → [lo, hi), checked against the model's vocabulary. */
export function parseVocab(value: string | undefined, model: HookedTransformer): VocabRange {
  if (value === undefined) {
    const v = resolveVocab(model.cfg);
    return [v.lo, v.hi];
  }
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(value);
  if (!m)
    throw new CliError(
      `--vocab must be LO:HI (token ids LO ≤ id < HI), e.g. --vocab 1000:1300, got ${JSON.stringify(value)}`,
    );
  try {
    const v = resolveVocab(model.cfg, [Number(m[1]), Number(m[2])]);
    return [v.lo, v.hi];
  } catch (e) {
    throw new CliError(`--vocab ${value}: ${(e as Error).message}`);
  }
}

const nested = (t: { toArray(): unknown }) => t.toArray();

/** `attnscope circuit`: composition scores, full OV circuits, positional scores, K-composition circuits. */
export function circuitCommand(io: CliIO): Command {
  const cmd = new Command("circuit").description(
    "composition scores, full OV and K-composition circuits, positional scores, and the induction circuits they make",
  );
  withModelOptions(cmd)
    .option(
      "--vocab <lo:hi>",
      "restrict the vocab × vocab circuits to token ids LO ≤ id < HI (default: the whole vocabulary)",
    )
    .option("--baseline-samples <n>", "random pairs for the composition baseline", "200")
    .option("--seed <n>", "seed of the baseline and of the repeated tokens that score the heads", "0")
    .option(
      "--json",
      "print JSON: composition {Q,K,V} [L][H][L][H], composition_baseline, full_ov_top1/top5/copying [L][H], positional_prev_score [L][H], k_comp_full_circuit_top1 [layer-0 head][layer-1 head], induction_circuits",
    )
    .action(async (opts: CircuitOptions) => {
      const samples = parseInteger(opts.baselineSamples, "--baseline-samples", 1);
      const seed = parseInteger(opts.seed, "--seed", 0);
      const model = await loadModel(opts, io);
      const { n_layers: L, n_heads: H, n_ctx } = model.cfg;
      if (L < 2) {
        throw new CliError(
          `attnscope circuit needs a model with at least two layers: heads compose only with heads of later layers, and this model has ${L}`,
        );
      }
      const vocab = parseVocab(opts.vocab, model);
      const n = vocab[1] - vocab[0];
      const bar = workBar(io, Boolean(opts.progress), "Circuits");
      const total = (L * H + H * H) * n;
      try {
        bar.update(0, total, "composition scores and baseline");
        const composition = {
          Q: compositionScores(model, "Q"),
          K: compositionScores(model, "K"),
          V: compositionScores(model, "V"),
        };
        const baseline = compositionBaseline(model, samples, seed);
        const ov = ovCircuitTable(model, {
          vocab,
          onProgress: (d, _t, head) => bar.update(d, total, `full OV circuit ${head}`),
        });
        const { top1, top5, copying } = ov;
        const positional = Array.from({ length: L }, (_, l) =>
          Array.from({ length: H }, (_, h) => positionalQkScore(model, { layer: l, head: h })),
        );
        const kComp = kCompositionTop1Table(model, {
          vocab,
          onProgress: (d) =>
            bar.update(
              L * H * n + d,
              total,
              `K-composition circuit 0.${Math.min(H - 1, Math.floor(d / (H * n)))} → 1.${Math.min(H - 1, Math.floor(d / n) % H)}`,
            ),
        });
        bar.update(total, total, "induction circuits");
        const seqLen = Math.min(50, Math.floor((n_ctx - 1) / 2));
        const found = await findInductionCircuits(model, { seqLen, batch: 10, seed });
        bar.stop();
        const circuits = found.circuits.map((c) => ({
          previous: c.previous,
          induction: c.induction,
          k_composition: c.kComposition,
        }));
        if (opts.json) {
          const result = {
            composition: { Q: nested(composition.Q), K: nested(composition.K), V: nested(composition.V) },
            composition_baseline: baseline,
            full_ov_top1: top1,
            full_ov_top5: top5,
            full_ov_copying: copying,
            positional_prev_score: positional,
            k_comp_full_circuit_top1: kComp,
            induction_circuits: circuits,
          };
          io.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const kRows = Array.from({ length: H }, (_, p) =>
          Array.from({ length: H }, (_, i) => composition.K.at(0, p, 1, i)),
        );
        io.stdout.write(
          [
            `vocab × vocab circuits over token ids ${vocab[0]} ≤ id < ${vocab[1]} (${n} tokens)`,
            "",
            pairTable("K-composition score, layer-0 head (rows) into layer-1 head (columns)", kRows),
            `composition baseline (random matrices, ${samples} samples): ${baseline.toFixed(4)}`,
            "",
            scoreTable("full OV circuit, top-1 accuracy", top1),
            "",
            scoreTable("full OV circuit, top-5 accuracy", top5),
            "",
            scoreTable("full OV circuit, eigenvalue copying score", copying),
            "",
            scoreTable("positional previous-token score (W_pos QK W_posᵀ)", positional),
            "",
            pairTable(
              "K-composition full circuit, top-1 accuracy, layer-0 head (rows) into layer-1 head (columns)",
              kComp,
            ),
            "",
            "induction circuits (previous-token head → induction head, by K-composition):",
            ...found.circuits
              .slice(0, 5)
              .map(
                (c) =>
                  `  ${c.previous} → ${c.induction}  K-composition ${c.kComposition.toFixed(3)}  (previous-token ${c.previousScore.toFixed(3)}, induction ${c.inductionScore.toFixed(3)}${c.isCircuit ? "" : "; not both detected"})`,
              ),
            "",
          ].join("\n"),
        );
      } finally {
        bar.stop();
      }
    });
  return cmd;
}
