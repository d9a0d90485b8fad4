/**
 * Hook-name globs (util/glob.ts) → the hook points an exported graph returns. Every pattern must match
 * something: a name the model does not have is an error naming it.
 */
import { globToRegExp } from "../../util/glob.js";

/** The model's hook points with layer numbers folded (`blocks.L.attn.hook_q`), for error messages. */
export function describeHookPoints(hookPoints: readonly string[]): string {
  const layers = new Set<number>();
  const shapes: string[] = [];
  for (const n of hookPoints) {
    const m = /^blocks\.(\d+)\.(.*)$/.exec(n);
    if (m) layers.add(Number(m[1]));
    const folded = m ? `blocks.L.${m[2]}` : n;
    if (!shapes.includes(folded)) shapes.push(folded);
  }
  const range = layers.size ? ` (L = 0…${Math.max(...layers)})` : "";
  return `${shapes.join(", ")}${range}`;
}

/**
 * The hook points selected by `patterns`, in the model's firing order. `canExport` says whether the
 * exporter computes a hook point; a pattern that matches none of the model's hook points, or only ones the
 * exporter cannot compute, is refused with the name.
 */
export function selectOutputs(
  patterns: readonly string[],
  hookPoints: readonly string[],
  canExport: (name: string) => boolean,
): string[] {
  const chosen = new Set<string>();
  for (const p of patterns) {
    if (typeof p !== "string" || p.length === 0) {
      throw new TypeError(`exportOnnx: outputs must be hook names or globs, got ${JSON.stringify(p)}`);
    }
    if (p === "logits" || p === "loss") {
      throw new RangeError(`exportOnnx: "${p}" is not a hook point; ask for it with the { ${p}: true } option`);
    }
    const re = globToRegExp(p);
    const matched = hookPoints.filter((n) => re.test(n));
    if (matched.length === 0) {
      throw new RangeError(
        `exportOnnx: output "${p}" matches no hook point of this model; its hook points are ${describeHookPoints(hookPoints)}`,
      );
    }
    const unsupported = matched.filter((n) => !canExport(n));
    if (unsupported.length > 0) {
      throw new RangeError(
        `exportOnnx: output "${unsupported[0]}"${p === unsupported[0] ? "" : ` (from "${p}")`} is not supported by the ONNX export`,
      );
    }
    for (const n of matched) chosen.add(n);
  }
  return hookPoints.filter((n) => chosen.has(n));
}
