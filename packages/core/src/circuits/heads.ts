/** Naming heads: `"1.4"` (the detectors' `layer.head`) or `{layer, head}`, checked against the model. */
import type { HookedTransformerConfig } from "../config.js";

export interface HeadIndex {
  layer: number;
  head: number;
}

/** A head as `"layer.head"` or `{layer, head}`. */
export type HeadRef = string | HeadIndex;

/** Resolve a head reference, with an error naming the model's layers and heads when it does not exist. */
export function parseHead(
  ref: HeadRef,
  cfg: Pick<HookedTransformerConfig, "n_layers" | "n_heads">,
  what = "head",
): HeadIndex {
  let layer: number;
  let head: number;
  if (typeof ref === "string") {
    const m = /^\s*(\d+)\.(\d+)\s*$/.exec(ref);
    if (!m) throw new RangeError(`${what} ${JSON.stringify(ref)} is not a head: write it as layer.head, e.g. "1.4"`);
    layer = Number(m[1]);
    head = Number(m[2]);
  } else {
    ({ layer, head } = ref);
  }
  if (!Number.isInteger(layer) || layer < 0 || layer >= cfg.n_layers) {
    throw new RangeError(
      `${what} ${formatHead({ layer, head })} does not exist: this model has layers 0..${cfg.n_layers - 1}`,
    );
  }
  if (!Number.isInteger(head) || head < 0 || head >= cfg.n_heads) {
    throw new RangeError(
      `${what} ${formatHead({ layer, head })} does not exist: each layer has heads 0..${cfg.n_heads - 1}`,
    );
  }
  return { layer, head };
}

export function formatHead(h: HeadIndex): string {
  return `${h.layer}.${h.head}`;
}
