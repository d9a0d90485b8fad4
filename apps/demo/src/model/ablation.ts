/**
 * Head ablations through the core's hooks, as in ARENA's "Finding induction heads": a hook on
 * `blocks.L.attn.hook_v` replaces the ablated heads' values with zero, or with their mean. Zeroing v zeroes
 * the head's output (z = pattern · v); the mean is taken over the batch, as ARENA does, and over positions
 * when the batch is a single text (the mean over one sequence's batch would be the values themselves).
 *
 * Dimensions: B batch, T positions, H heads, Dh d_head.
 */
import { Tensor, type HookFn, type HookedTransformer } from "@attnscope/core";
import type { AblationMode, HeadIndex } from "./protocol.js";

/** Forward hooks that ablate `heads` (each [layer, head]). */
export function ablationHooks(heads: readonly HeadIndex[], mode: AblationMode): [string, HookFn][] {
  const byLayer = new Map<number, number[]>();
  for (const [l, h] of heads) byLayer.set(l, [...(byLayer.get(l) ?? []), h]);
  return [...byLayer].map(([layer, hs]) => [`blocks.${layer}.attn.hook_v`, (v: Tensor) => ablateValues(v, hs, mode)]);
}

/** v [B, T, H, Dh] with heads `hs` replaced; a new tensor (the model may reuse the input's buffer). */
function ablateValues(v: Tensor, hs: readonly number[], mode: AblationMode): Tensor {
  const [B, T, H, Dh] = v.shape;
  const out = v.data.slice();
  for (const h of hs) {
    if (mode === "zero") {
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) out.fill(0, ((b * T + t) * H + h) * Dh, ((b * T + t) * H + h + 1) * Dh);
      continue;
    }
    // Mean over the batch at each position (ARENA), or over positions when there is one sequence.
    const overPositions = B === 1;
    const groups = overPositions ? 1 : T;
    const members = overPositions ? T : B;
    for (let g = 0; g < groups; g++) {
      const mean = new Float64Array(Dh);
      const at = (m: number) => (((overPositions ? 0 : m) * T + (overPositions ? m : g)) * H + h) * Dh;
      for (let m = 0; m < members; m++) for (let d = 0; d < Dh; d++) mean[d] += v.data[at(m) + d] / members;
      for (let m = 0; m < members; m++) for (let d = 0; d < Dh; d++) out[at(m) + d] = mean[d];
    }
  }
  return new Tensor(out, v.shape);
}

export interface HookedRun {
  /** Per-token loss [B, T − 1]. */
  loss: Tensor;
  /** Every layer's hook_pattern, [B, H, T, T] each. */
  patterns: Tensor[];
}

/**
 * A run with `hooks`, keeping every layer's attention pattern. A hooked run leaves the model's incremental
 * state alone, so the live view's next keystroke still only computes the new tokens.
 */
export async function runHooked(
  model: HookedTransformer,
  tokens: number[][],
  hooks: [string, HookFn][],
): Promise<HookedRun> {
  const patterns: Tensor[] = [];
  const { loss } = await model.runWithHooks(tokens, {
    returnType: "loss",
    lossPerToken: true,
    fwdHooks: [
      ...hooks,
      [
        (name) => name.endsWith("attn.hook_pattern"),
        (act, hook) => {
          patterns[Number(hook.name.split(".")[1])] = new Tensor(act.data.slice(), act.shape);
        },
      ],
    ],
  });
  return { loss: loss!, patterns };
}
