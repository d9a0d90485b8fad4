/**
 * TransformerLens API details beside the circuits: hook.layer(), the mean loss of return_type="loss",
 * to_single_token / to_single_str_token / get_token_position, to_tokens / to_str_tokens on lists.
 */
import { describe, expect, it } from "vitest";
import {
  ByteTokenizer,
  compositionScores,
  findInductionCircuits,
  HookedTransformer,
  type Tensor,
} from "../../src/index.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const cfg = smallConfig({ d_vocab: 257 });
const model = new HookedTransformer(cfg, randomStateDict(cfg, 3), { tokenizer: new ByteTokenizer() });

describe("TransformerLens API fidelity", () => {
  it("hook functions get hook.layer() beside hook.name", async () => {
    const seen: [string, number][] = [];
    await model.runWithHooks([256, 97, 98], {
      returnType: "none",
      fwdHooks: [
        [
          (n) => n.endsWith("hook_z") || n.endsWith("hook_resid_pre"),
          (_t: Tensor, hook) => void seen.push([hook.name, hook.layer()]),
        ],
      ],
    });
    expect(seen).toEqual([
      ["blocks.0.hook_resid_pre", 0],
      ["blocks.0.attn.hook_z", 0],
      ["blocks.1.hook_resid_pre", 1],
      ["blocks.1.attn.hook_z", 1],
    ]);
    let err: unknown;
    await model.runWithHooks([256, 97], {
      returnType: "none",
      fwdHooks: [
        [
          "hook_embed",
          (_t: Tensor, hook) => {
            try {
              hook.layer();
            } catch (e) {
              err = e;
            }
          },
        ],
      ],
    });
    expect(String(err)).toMatch(/"hook_embed" is not inside a block/);
  });

  it('returnType "loss" is the mean over batch and positions (a 0-dim tensor); lossPerToken keeps [B, T−1]', async () => {
    const batch = [
      [256, 97, 98, 99],
      [256, 100, 101, 102],
    ];
    const per = (await model.forward(batch, { returnType: "loss", lossPerToken: true })).loss!;
    expect(per.shape).toEqual([2, 3]);
    const mean = (await model.forward(batch, { returnType: "loss" })).loss!;
    expect(mean.shape).toEqual([]);
    expect(mean.item()).toBeCloseTo(Array.from(per.data).reduce((a, b) => a + b, 0) / 6, 5);
    const both = await model.runWithCache(batch, { returnType: "both" });
    expect(both.loss!.item()).toBeCloseTo(mean.item(), 5);
    expect(both.logits!.shape).toEqual([2, 4, 257]);
  });

  it("toSingleToken, toSingleStrToken and getTokenPosition", () => {
    expect(model.toSingleToken("a")).toBe(97);
    expect(() => model.toSingleToken("ab")).toThrow(/"ab" is not a single token: it tokenizes to 2 tokens \[97, 98\]/);
    expect(model.toSingleStrToken(97)).toBe("a");
    expect(() => model.toSingleStrToken(257)).toThrow(/not a token id of this model \(0\.\.256\)/);
    // "banana" with BOS: [BOS, b, a, n, a, n, a]
    expect(model.getTokenPosition("a", "banana")).toBe(2);
    expect(model.getTokenPosition("a", "banana", { mode: "last" })).toBe(6);
    expect(model.getTokenPosition(97, [98, 97], {})).toBe(1);
    expect(model.getTokenPosition("a", "banana", { prependBos: false })).toBe(1);
    expect(() => model.getTokenPosition("z", "banana")).toThrow(/token 122 does not occur in the input \(7 tokens\)/);
  });

  it("toTokens / toStrTokens on lists: a batch of equal length, or a clear error naming each length", async () => {
    expect(model.toTokens(["ab", "cd"])).toEqual([
      [256, 97, 98],
      [256, 99, 100],
    ]);
    expect(model.toStrTokens(["ab", "c"])).toEqual([
      ["<|BOS|>", "a", "b"],
      ["<|BOS|>", "c"],
    ]);
    expect(model.toStrTokens([[97, 98], [99]])).toEqual([["a", "b"], ["c"]]);
    expect(() => model.toTokens(["a", "abc"])).toThrow(/different token lengths \(text 0: 2, text 1: 4\)/);
    expect(() => model.toTokens([])).toThrow(/non-empty list/);
    // and the model runs such a list as a batch, as TransformerLens's model(["ab", "cd"])
    const fromTexts = await model.forward(["ab", "cd"], { returnType: "loss", lossPerToken: true });
    const fromIds = await model.forward(
      [
        [256, 97, 98],
        [256, 99, 100],
      ],
      { returnType: "loss", lossPerToken: true },
    );
    expect(Array.from(fromTexts.loss!.data)).toEqual(Array.from(fromIds.loss!.data));
    await expect(model.forward(["a", "abc"])).rejects.toThrow(/different token lengths/);
  });

  it("composition needs two layers: a one-layer model gets a clear message", async () => {
    const one = smallConfig({ n_layers: 1 });
    const m1 = new HookedTransformer(one, randomStateDict(one, 4));
    expect(() => compositionScores(m1, "K")).toThrow(/need at least two layers.*this model has 1/);
    await expect(findInductionCircuits(m1)).rejects.toThrow(/at least two layers/);
    expect(() => compositionScores(model, "X" as "K")).toThrow(/"Q", "K" or "V"/);
  });
});
