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
  kCircuitLayers?: string;
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

/** Every (earlier layer, later layer) pair of an L-layer model, in order. */
export function allLayerPairs(L: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let l1 = 0; l1 < L; l1++) for (let l2 = l1 + 1; l2 < L; l2++) pairs.push([l1, l2]);
  return pairs;
}

/** `--k-circuit-layers 0:1,4:5` → layer pairs, each an earlier layer then a later one of the model; "all" (default) = every pair. */
export function parseLayerPairs(value: string | undefined, L: number): [number, number][] {
  if (value === undefined || value.trim() === "all") return allLayerPairs(L);
  const pairs = value.split(",").map((part): [number, number] => {
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!m)
      throw new CliError(
        `--k-circuit-layers must be all or comma-separated L1:L2 pairs (an earlier layer, then a later one), e.g. 0:1,4:5; got ${JSON.stringify(part)}`,
      );
    const [l1, l2] = [Number(m[1]), Number(m[2])];
    if (l2 >= L) throw new CliError(`--k-circuit-layers ${part.trim()}: this model has layers 0..${L - 1}`);
    if (l1 >= l2)
      throw new CliError(`--k-circuit-layers ${part.trim()}: K-composition runs from an earlier layer to a later one`);
    return [l1, l2];
  });
  // Each pair once, in the order given.
  const unique = new Map(pairs.map((p) => [`${p[0]}:${p[1]}`, p] as const));
  return [...unique.values()];
}

/** [L][H][L][H] of nulls with each computed [H][H] table of a layer pair put in place. */
function pairTensor(L: number, H: number, tables: Map<string, number[][]>): (number | null)[][][][] {
  return Array.from({ length: L }, (_, l1) =>
    Array.from({ length: H }, (_, h1) =>
      Array.from({ length: L }, (_, l2) => {
        const t = tables.get(`${l1}:${l2}`);
        return Array.from({ length: H }, (_, h2) => (t ? t[h1][h2] : null));
      }),
    ),
  );
}

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
    .option(
      "--k-circuit-layers <pairs>",
      "layer pairs L1:L2 (comma-separated) whose K-composition full circuits to score, or all: every earlier-layer/later-layer pair",
      "all",
    )
    .option("--baseline-samples <n>", "random pairs for the composition baseline", "200")
    .option("--seed <n>", "seed of the baseline and of the repeated tokens that score the heads", "0")
    .option(
      "--json",
      "print JSON: composition {Q,K,V} [L][H][L][H], composition_baseline, full_ov_top1/top5/copying [L][H], positional_prev_score [L][H], k_comp_full_circuit_top1 [L][H][L][H] (null for the pairs not scored), induction_circuits",
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
      const kPairs = parseLayerPairs(opts.kCircuitLayers, L);
      const n = vocab[1] - vocab[0];
      const bar = workBar(io, Boolean(opts.progress), "Circuits");
      const perPair = H * H * n;
      const total = L * H * n + kPairs.length * perPair;
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
        const kComp = new Map<string, number[][]>();
        kPairs.forEach(([l1, l2], i) => {
          const done = L * H * n + i * perPair;
          kComp.set(
            `${l1}:${l2}`,
            kCompositionTop1Table(model, {
              vocab,
              fromLayer: l1,
              toLayer: l2,
              onProgress: (d) =>
                bar.update(
                  done + d,
                  total,
                  `K-composition circuit ${l1}.${Math.min(H - 1, Math.floor(d / (H * n)))} → ${l2}.${Math.min(H - 1, Math.floor(d / n) % H)}`,
                ),
            }),
          );
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
            k_comp_full_circuit_top1: pairTensor(L, H, kComp),
            induction_circuits: circuits,
          };
          io.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const kTable = (l1: number, l2: number) =>
          Array.from({ length: H }, (_, p) => Array.from({ length: H }, (_, i) => composition.K.at(l1, p, l2, i)));
        const between = (l1: number, l2: number) => `layer-${l1} head (rows) into layer-${l2} head (columns)`;
        io.stdout.write(
          [
            `vocab × vocab circuits over token ids ${vocab[0]} ≤ id < ${vocab[1]} (${n} tokens)`,
            "",
            ...allLayerPairs(L).flatMap(([l1, l2]) => [
              pairTable(`K-composition score, ${between(l1, l2)}`, kTable(l1, l2), l1, l2),
              "",
            ]),
            `composition baseline (random matrices, ${samples} samples): ${baseline.toFixed(4)}`,
            "(Q- and V-composition scores of every layer pair: --json)",
            "",
            scoreTable("full OV circuit, top-1 accuracy", top1),
            "",
            scoreTable("full OV circuit, top-5 accuracy", top5),
            "",
            scoreTable("full OV circuit, eigenvalue copying score", copying),
            "",
            scoreTable("positional previous-token score (W_pos QK W_posᵀ)", positional),
            "",
            ...kPairs.flatMap(([l1, l2]) => [
              pairTable(
                `K-composition full circuit, top-1 accuracy, ${between(l1, l2)}`,
                kComp.get(`${l1}:${l2}`)!,
                l1,
                l2,
              ),
              "",
            ]),
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
