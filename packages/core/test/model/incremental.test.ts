import { describe, expect, it } from "vitest";
import { HookedTransformer, SeededRandom, tsBackend, type Backend } from "../../src/index.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const cfg = smallConfig();
const sd = randomStateDict(cfg);

/** tsBackend, counting the rows of every projection (matmul's m): an incremental run projects only new rows. */
function countingBackend(): Backend & { rows: number } {
  const be = {
    ...tsBackend,
    name: "ts-counting",
    rows: 0,
    matmul(...args: Parameters<Backend["matmul"]>) {
      be.rows += args[2];
      return tsBackend.matmul(...args);
    },
  };
  return be;
}

const tokens = (n: number) => {
  const r = new SeededRandom(5);
  return Array.from({ length: n }, (_, i) => (i === 0 ? 0 : r.int(1, cfg.d_vocab)));
};

describe("incremental runs", () => {
  it('"auto" (the default) computes only the appended row; false computes every row, with the same logits', async () => {
    const be = countingBackend();
    const model = new HookedTransformer(cfg, sd, { backend: be });
    const toks = tokens(12);
    await model.forward(toks.slice(0, 11));
    // Per row: q, k, v and W_O projections of each layer, then the unembed: 4·L + 1 matmul rows.
    const perRow = 4 * cfg.n_layers + 1;
    be.rows = 0;
    const auto = await model.forward(toks);
    expect(be.rows).toBe(perRow);

    await model.forward(toks.slice(0, 11));
    be.rows = 0;
    const full = await model.forward(toks, { incremental: false });
    expect(be.rows).toBe(perRow * 12);
    expect(Array.from(full.logits!.data)).toEqual(Array.from(auto.logits!.data));
  });

  it("a run with incremental: false leaves the reuse state to the next automatic run", async () => {
    const be = countingBackend();
    const model = new HookedTransformer(cfg, sd, { backend: be });
    const toks = tokens(12);
    await model.forward(toks.slice(0, 11));
    await model.forward(tokens(7), { incremental: false });
    be.rows = 0;
    await model.forward(toks);
    expect(be.rows).toBe(4 * cfg.n_layers + 1);
  });

  it("needs no hook to turn reuse off: a patterns-only runWithCache with incremental: false does a fresh model's work", async () => {
    const patterns = (n: string) => n.endsWith("attn.hook_pattern");
    const toks = tokens(9);
    const first = countingBackend();
    await new HookedTransformer(cfg, sd, { backend: first }).runWithCache(toks, {
      returnType: "none",
      namesFilter: patterns,
    });
    const be = countingBackend();
    const model = new HookedTransformer(cfg, sd, { backend: be });
    await model.runWithCache(toks.slice(0, 8), { returnType: "none", namesFilter: patterns });
    be.rows = 0;
    const fresh = await model.runWithCache(toks, { returnType: "none", namesFilter: patterns, incremental: false });
    expect(be.rows).toBe(first.rows);
    be.rows = 0;
    const auto = await model.runWithCache(toks, { returnType: "none", namesFilter: patterns });
    expect(be.rows).toBeLessThan(first.rows);
    for (const name of auto.cache.keys()) expect(fresh.cache.get(name).data).toEqual(auto.cache.get(name).data);
  });

  it('refuses an incremental value other than "auto" or false', async () => {
    const model = new HookedTransformer(cfg, sd);
    await expect(model.forward(tokens(4), { incremental: true as unknown as false })).rejects.toThrow(
      /incremental must be "auto" or false/,
    );
  });
});
