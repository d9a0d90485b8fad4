// attnscope detect --batch-file: one JSON line per prompt, matching TransformerLens's goldens of
// ../shared/fixtures/tl-attn2l-tiny; bad input stops the job before it starts, naming the line.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { describeWithFixtures, expectScoresClose, goldenInput, neoxTokenizer, runCli, tinyDir } from "./helpers.js";

const model = ["--model", tinyDir, "--tokenizer", neoxTokenizer];
const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-detect-batch-"));

describeWithFixtures("attnscope detect --batch-file", () => {
  const seed = goldenInput("seed_text");

  it("writes one JSON line per non-blank line: its line number, tokens, detector lists and scores as TransformerLens's", async () => {
    // The seed paragraph twice (the second run may reuse the first's rows), blank lines between.
    expect(seed.text!.includes("\n")).toBe(false);
    const prompts = path.join(dir, "prompts.txt");
    writeFileSync(prompts, [seed.text, "", "   ", seed.text].join("\n") + "\n");
    const out = path.join(dir, "scores.jsonl");
    const r = await runCli(["detect", ...model, "--batch-file", prompts, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^2 prompts \(\d+ tokens\) in [\d.]+ s: [\d.]+ prompts\/s; wrote .*scores\.jsonl\n$/);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const lines = readFileSync(out, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line)).toEqual([1, 4]);
    for (const got of lines) {
      const golden = seed;
      expect(Object.keys(got)).toEqual(["line", "tokens", "detectors", "scores"]);
      expect(got.tokens).toEqual(golden.tokens);
      expect(got.detectors).toEqual({
        current: golden.heads.current_token,
        previous: golden.heads.previous_token,
        first: golden.heads.first_token,
      });
      expectScoresClose(got.scores.current, golden.scores.current_token);
      expectScoresClose(got.scores.previous, golden.scores.previous_token);
      expectScoresClose(got.scores.first, golden.scores.first_token);
    }
    // Without --out the same lines go to stdout; --progress draws the bar on stderr even off a terminal.
    const toStdout = await runCli(["detect", ...model, "--batch-file", prompts, "--progress"]);
    expect(toStdout.stdout).toBe(readFileSync(out, "utf8"));
    expect(toStdout.stderr).toMatch(/Detecting \|.*\| 2\/2 prompts/);
  });

  it("--backend ort (onnxruntime-node) gives the same lists and scores within 1e-4", async () => {
    const prompts = path.join(dir, "ort.txt");
    writeFileSync(prompts, `${seed.text}\nThe cat sat on the mat. The cat sat on the mat.\n`);
    const run = async (backend: string) => {
      const r = await runCli(["detect", ...model, "--backend", backend, "--batch-file", prompts]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
    };
    const [ort, kernels] = [await run("ort"), await run("kernels")];
    expect(ort.map((l) => [l.line, l.tokens, l.detectors])).toEqual(
      kernels.map((l) => [l.line, l.tokens, l.detectors]),
    );
    ort.forEach((l, i) => {
      for (const k of ["current", "previous", "first"]) expectScoresClose(l.scores[k], kernels[i].scores[k]);
    });
  });

  it("refuses a line longer than the context before running anything, naming the line, and leaves no file", async () => {
    const prompts = path.join(dir, "long.txt");
    writeFileSync(prompts, `${seed.text}\n${"word ".repeat(400)}\n`);
    const out = path.join(dir, "long.jsonl");
    const r = await runCli(["detect", ...model, "--batch-file", prompts, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^attnscope: error: --batch-file .*long\.txt line 2: text is \d+ tokens long \(with BOS\), more than n_ctx = 256/,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it("refuses a missing file, an empty one, --out without --batch-file and --batch-file with --text", async () => {
    const missing = await runCli(["detect", ...model, "--batch-file", path.join(dir, "nope.txt")]);
    expect(missing.stderr).toMatch(/cannot read --batch-file .*nope\.txt: no such file/);
    const blank = path.join(dir, "blank.txt");
    writeFileSync(blank, "\n \n");
    expect((await runCli(["detect", ...model, "--batch-file", blank])).stderr).toMatch(
      /has no prompts \(every line is blank\)/,
    );
    expect((await runCli(["detect", ...model, "--out", path.join(dir, "x.jsonl")])).stderr).toMatch(
      /--out goes with --batch-file/,
    );
    expect((await runCli(["detect", ...model, "--batch-file", blank, "--text", "hi"])).stderr).toMatch(
      /give either --batch-file or --text\/--tokens, not both/,
    );
  });
});
