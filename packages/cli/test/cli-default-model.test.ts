// With no --model the CLI runs the embedded default model (subword tokens, trained by attnscope train): it must
// show previous-token and induction heads, and few first-token heads, offline, on text it never saw in training.
// The byte-level model stays available by name.
import { existsSync } from "node:fs";
import path from "node:path";
import { loadTokenizer } from "@attnscope/core";
import { describe, expect, it } from "vitest";
import { repoRoot, runCli } from "./helpers.js";

const assets = path.join(repoRoot, "packages", "core", "assets");
const defaultWeights = path.join(assets, "attnscope-bpe-2l", "model.safetensors");
const hasDefault = existsSync(defaultWeights);
if (!hasDefault) console.warn(`default-model CLI tests skipped: ${defaultWeights} not found`);
// The default model's own tokenizer.json, read here through @huggingface/tokenizers, not through the CLI.
const tokenizer = hasDefault ? await loadTokenizer(path.join(assets, "attnscope-bpe-2l", "tokenizer.json")) : null;

// ARENA's prompt (the fixtures' seed_text), what detect runs by default.
const SEED_TEXT =
  "We think that powerful, significantly superhuman machine intelligence is more likely than not to be created this " +
  "century. If current machine learning techniques were scaled up to this level, we think they would by default " +
  "produce systems that are deceptive or manipulative, and that no solid plans are known for how to avoid this.";

// Not from the training corpus (Moby-Dick): written for this test.
const UNSEEN_TEXT =
  "The museum opened a new wing on Tuesday, and the visitors walked slowly from one painting to the next. " +
  "A child asked her father why the sky in every picture looked different, and he said that each painter " +
  "had seen a different morning.";

describe.runIf(hasDefault)("attnscope on the embedded default model", () => {
  for (const [name, args, text] of [
    ["the seed paragraph (default input)", [], SEED_TEXT],
    ["unseen text", ["--text", UNSEEN_TEXT], UNSEEN_TEXT],
  ] as const) {
    it(`detect --json finds previous-token and first-token heads on ${name}`, async () => {
      const r = await runCli(["detect", ...args, "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.tokens).toEqual([0, ...tokenizer!.encode(text)]); // <|endoftext|> as BOS, then the text's subwords
      expect(out.str_tokens).toHaveLength(out.tokens.length);
      expect(out.detectors.previous.length).toBeGreaterThanOrEqual(1);
      const nHeads = out.scores.first.flat().length;
      expect(out.detectors.first.length).toBeLessThanOrEqual(nHeads / 3);
      for (const head of [...out.detectors.previous, ...out.detectors.first]) expect(head).toMatch(/^[01]\.\d+$/);
    });
  }

  it("induction --json finds an induction head and halves the loss on the repeat", async () => {
    const r = await runCli(["induction", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.induction_heads.length).toBeGreaterThanOrEqual(1);
    expect(out.loss_second_half).toBeLessThan(out.loss_first_half / 2);
    for (const head of out.induction_heads) {
      const [l, h] = head.split(".").map(Number);
      expect(out.induction_scores[l][h]).toBeGreaterThan(0.4);
    }
  });

  it("npm start's command (detect, no arguments) prints the readable report", async () => {
    const r = await runCli(["detect"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/heads scoring above 0\.4:/);
    const n = 1 + tokenizer!.encode(SEED_TEXT).length;
    expect(r.stdout).toMatch(new RegExp(`^${n} tokens: "<\\|endoftext\\|>" "We" " think" " that"`));
    for (const d of ["current-token", "previous-token", "first-token"])
      expect(r.stdout).toMatch(new RegExp(`\n  ${d}: +\\S`));
  });

  it("runs the byte-level model by name, offline (--model attnscope-byte-2l)", async () => {
    const r = await runCli(["detect", "--model", "attnscope-byte-2l", "--json"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.tokens).toEqual([256, ...Buffer.from(SEED_TEXT, "utf8")]); // BOS + the UTF-8 bytes
    expect(out.detectors.previous).toContain("0.2");
  });
});
