/**
 * Argument checks for the model's public run methods (`forward`, `runWithCache`, `runWithHooks`), so that a
 * wrong type is refused up front naming the method and the option (`runWithCache(null)`,
 * `returnType: "banana"`) instead of failing deep inside with "Cannot read properties of null".
 */

const RETURN_TYPES = ["logits", "loss", "both", "none"] as const;

const show = (v: unknown): string => {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "object") return (v as object).constructor?.name ?? "an object";
  return `${typeof v} ${String(v)}`;
};

function isNameFilter(v: unknown): boolean {
  return (
    typeof v === "string" || typeof v === "function" || (Array.isArray(v) && v.every((n) => typeof n === "string"))
  );
}

/** Throws a TypeError naming `method` and the offending argument when `input` or `opts` has the wrong type. */
export function checkRunArgs(method: string, input: unknown, opts: unknown): void {
  const isTokens = Array.isArray(input) || input instanceof Int32Array;
  if (typeof input !== "string" && !isTokens) {
    throw new TypeError(
      `${method}: input must be text, an array of token ids or a batch of token-id arrays, got ${show(input)}`,
    );
  }
  if (opts === undefined) return;
  if (opts === null || typeof opts !== "object" || Array.isArray(opts))
    throw new TypeError(`${method}: options must be an object, got ${show(opts)}`);
  const o = opts as Record<string, unknown>;
  if (o.returnType !== undefined && !RETURN_TYPES.includes(o.returnType as (typeof RETURN_TYPES)[number])) {
    throw new TypeError(
      `${method}: returnType must be one of ${RETURN_TYPES.map((r) => `"${r}"`).join(", ")}, got ${show(o.returnType)}`,
    );
  }
  for (const k of ["prependBos", "removeBatchDim"]) {
    if (o[k] !== undefined && typeof o[k] !== "boolean")
      throw new TypeError(`${method}: ${k} must be true or false, got ${show(o[k])}`);
  }
  if (o.incremental !== undefined && o.incremental !== "auto" && o.incremental !== false)
    throw new TypeError(`${method}: incremental must be "auto" or false, got ${show(o.incremental)}`);
  if (o.namesFilter !== undefined && !isNameFilter(o.namesFilter)) {
    throw new TypeError(
      `${method}: namesFilter must be a hook name, a list of names or a function, got ${show(o.namesFilter)}`,
    );
  }
  if (o.fwdHooks !== undefined) {
    if (!Array.isArray(o.fwdHooks))
      throw new TypeError(`${method}: fwdHooks must be an array of [name, hook] pairs, got ${show(o.fwdHooks)}`);
    o.fwdHooks.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2 || !isNameFilter(pair[0]) || typeof pair[1] !== "function") {
        throw new TypeError(
          `${method}: fwdHooks[${i}] must be a [name or filter, hook function] pair, got ${show(pair)}`,
        );
      }
    });
  }
}
