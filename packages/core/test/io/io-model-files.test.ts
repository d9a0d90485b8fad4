import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadModelFiles } from "../../src/io/model-files.js";
import type { ProgressEvent } from "../../src/io/progress.js";
import { describeWithFixtures, fixturePath, readGoldens, sharedDir, tinyDir } from "../helpers/fixtures.js";
import { startServer } from "../helpers/http-server.js";
import type { TestServer } from "../helpers/http-server.js";

describeWithFixtures("loadModelFiles", () => {
  const goldens = readGoldens();
  const file = (name: string) => new Uint8Array(readFileSync(fixturePath(name)));
  const tokenizerPath = `${sharedDir}/tokenizers/gpt-neox-20b.json`;
  let server: TestServer;
  const savedEndpoint = process.env.HF_ENDPOINT;

  beforeAll(async () => {
    server = await startServer({
      "/someone/tiny/resolve/main/config.json": file("config.json"),
      "/someone/tiny/resolve/main/model.pth": file("model.pth"), // no model.safetensors: falls back to model.pth
      "/someone/tiny-st/resolve/main/config.json": file("config.json"),
      "/someone/tiny-st/resolve/main/model.safetensors": file("model.safetensors"),
      "/someone/tiny-st/resolve/main/tokenizer.json": new Uint8Array(readFileSync(tokenizerPath)),
      // The registry's repo, serving the tiny model: the state-dict check must catch the size mismatch.
      "/callummcdougall/attn_only_2L_half/resolve/main/attn_only_2L_half.pth": file("model.pth"),
    });
    process.env.HF_ENDPOINT = server.url;
  });
  afterAll(async () => {
    if (savedEndpoint === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = savedEndpoint;
    await server.close();
  });

  it("a folder with config.json and model.safetensors", async () => {
    const m = await loadModelFiles(tinyDir);
    expect(m.config).toEqual(goldens.config);
    expect(m.resolvedConfig.d_model).toBe(64);
    expect(m.source).toBe(fixturePath("model.safetensors"));
    expect([...m.stateDict.keys()].sort()).toEqual(Object.keys(goldens.state_dict).sort());
    expect(m.tokenizerJson).toBeUndefined();
  });

  it("a weights file path picks up the config.json beside it", async () => {
    const m = await loadModelFiles(fixturePath("model-fp16.pth"));
    expect(m.source).toBe(fixturePath("model-fp16.pth"));
    expect(m.stateDict.get("embed.W_E")!.dtype).toBe("float16");
  });

  it("explicit {config, weights, tokenizer}", async () => {
    const m = await loadModelFiles({
      config: goldens.config,
      weights: fixturePath("model.pth"),
      tokenizer: tokenizerPath,
    });
    expect(m.stateDict.get("unembed.W_U")!.shape).toEqual([64, 50278]);
    expect((m.tokenizerJson as { model: { type: string } }).model.type).toBe("BPE");
  });

  it("hf:owner/repo fetches config.json and model.safetensors (and the optional tokenizer.json) with progress", async () => {
    const events: ProgressEvent[] = [];
    const m = await loadModelFiles("hf:someone/tiny-st", { cache: false, onProgress: (e) => events.push(e) });
    expect(m.config).toEqual(goldens.config);
    expect(m.tokenizerJson).toBeTruthy();
    const done = events.filter((e) => e.phase === "download" && e.loaded === e.total).map((e) => e.file);
    expect(done).toEqual([
      "hf:someone/tiny-st/config.json",
      "hf:someone/tiny-st/model.safetensors",
      "hf:someone/tiny-st/tokenizer.json",
    ]);
  });

  it("hf:owner/repo falls back to model.pth when there is no model.safetensors; tokenizer.json is optional", async () => {
    const m = await loadModelFiles("hf:someone/tiny", { cache: false });
    expect(m.source).toBe("hf:someone/tiny/model.pth");
    expect(m.tokenizerJson).toBeUndefined();
    expect(server.requests).toContain("/someone/tiny/resolve/main/model.safetensors");
  });

  it("a registry name resolves to its hf: weights and checks them against its config", async () => {
    await expect(loadModelFiles("attn-only-2l-half", { cache: false })).rejects.toThrow(
      /^hf:callummcdougall\/attn_only_2L_half\/attn_only_2L_half\.pth: embed\.W_E has shape \[50278, 64\], expected \[d_vocab, d_model\] = \[50278, 768\]/,
    );
    expect(server.requests.at(-1)).toBe("/callummcdougall/attn_only_2L_half/resolve/main/attn_only_2L_half.pth");
  });

  it("an unknown name that is not a folder lists the known models", async () => {
    await expect(loadModelFiles("gpt2-small")).rejects.toThrow(
      '"gpt2-small" is neither a folder nor a known model (known models: attn-only-2l-half)',
    );
  });
});
