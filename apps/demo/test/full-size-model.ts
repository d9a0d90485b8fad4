/**
 * Stand-ins for registry models' Hugging Face files, for serving in place of the Hub: random weights of the
 * real config, written once and reused, and the tokenizer from the shared test data, served by a local HTTP
 * server. `attn-only-2l-half` gets a TransformerLens state dict (83.5M parameters, float16 safetensors,
 * 167 MB); `gpt2-small` a Hugging Face GPT-2 checkpoint (`config.json` with model_type gpt2, and
 * `model.safetensors` with Hugging Face's names and layouts and the causal-mask buffers the real file has:
 * 124M parameters in float16, 274 MB).
 */
import { createReadStream, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import {
  SeededRandom,
  expectedStateDict,
  getKnownModel,
  resolveConfig,
  resolveHfUrl,
  writeSafetensors,
  type TensorToWrite,
} from "@attnscope/core";

export interface HubFiles {
  /** URL the page fetches → local file that answers it. */
  files: Map<string, string>;
}

export interface LocalHub {
  /** Where the local server serves the file that answers `hubUrl`, or undefined for other URLs. */
  localUrl(hubUrl: string): string | undefined;
  /** Hub URLs whose files were served, in order. */
  served: string[];
  close(): Promise<void>;
}

/**
 * Serves the files over HTTP with CORS headers and a Content-Length, as the Hub's CDN does. (Large bodies
 * cannot go through the browser automation's request interception, so the page is redirected here.)
 */
export async function startLocalHub(hub: HubFiles): Promise<LocalHub> {
  const byPath = new Map<string, [string, string]>();
  [...hub.files].forEach(([url, file], i) => byPath.set(`/${i}/${path.basename(new URL(url).pathname)}`, [url, file]));
  const served: string[] = [];
  const server = createServer((req, res) => {
    const hit = byPath.get(req.url ?? "");
    const cors = { "access-control-allow-origin": "*", "cross-origin-resource-policy": "cross-origin" };
    if (!hit) {
      res.writeHead(404, cors).end();
      return;
    }
    served.push(hit[0]);
    res.writeHead(200, {
      ...cors,
      "content-length": String(statSync(hit[1]).size),
      "content-type": "application/octet-stream",
    });
    // About 40 MB/s, so a download takes a few seconds and its progress can be watched.
    const stream = createReadStream(hit[1], { highWaterMark: 1 << 20 });
    stream.on("data", () => {
      stream.pause();
      setTimeout(() => stream.resume(), 25);
    });
    stream.pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const toLocal = new Map([...byPath].map(([p, [url]]) => [url, origin + p]));
  return {
    localUrl: (u) => toLocal.get(u),
    served,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Sends the context's requests for the Hub to the stand-in (a redirect, as the Hub answers with one to its
 * CDN), lets local ones through, and aborts and records every other: the returned list.
 */
export async function routeToHub(context: BrowserContext, hub: LocalHub, isLocal: (url: string) => boolean) {
  const outside: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    const local = hub.localUrl(url);
    if (!local) {
      outside.push(url);
      return route.abort("internetdisconnected");
    }
    return route.fulfill({ status: 302, headers: { location: local, "access-control-allow-origin": "*" } });
  });
  return outside;
}

/** Records every text the model status line shows, so fast progress states are not missed. */
export async function recordStatus(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { statusLog: string[] };
    w.statusLog = [];
    const el = document.querySelector('[data-testid="model-status"]')!;
    new MutationObserver(() => w.statusLog.push(el.textContent ?? "")).observe(el, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  return () => page.evaluate(() => (window as unknown as { statusLog: string[] }).statusLog);
}

/** The registry's URLs for `name`, answered by a random full-size model and the shared tokenizer.json. */
export function fakeHubFiles(name: string, tokenizerJson: string, dir: string): HubFiles {
  const known = getKnownModel(name);
  // Models whose config is read from their checkpoint's config.json (NeelNanda's) have none to draw weights for.
  if (!known.config) throw new Error(`${name}: the registry has no config to make random weights from`);
  const config = known.config;
  const files = new Map([[resolveHfUrl(known.tokenizer), tokenizerJson]]);
  if (known.format === "hf-gpt2") {
    const { weights, config: configJson } = writeOnce(dir, name, (file) => writeRandomHfGpt2(config, file));
    files.set(resolveHfUrl(known.weights), weights);
    // The Hub's config.json beside it (the registry embeds the config, so the page need not ask for it).
    files.set(resolveHfUrl(known.weights.replace(/[^/]+$/, "config.json")), configJson);
  } else {
    files.set(resolveHfUrl(known.weights), writeOnce(dir, name, (file) => writeRandomWeights(config, file)).weights);
  }
  return { files };
}

/** The weights file (and its config.json) under `dir`, written by `write` unless a complete one is there. */
function writeOnce(dir: string, name: string, write: (file: string) => void): { weights: string; config: string } {
  const weights = path.join(dir, `${name}-random-f16.safetensors`);
  const config = path.join(dir, `${name}-config.json`);
  // Files are renamed into place only when complete, so a size below 100 MB is a file of an older layout.
  if (!existsSync(weights) || statSync(weights).size < 1e8) write(weights);
  return { weights, config };
}

/** Uniform values of standard deviation `std` around `mean` (a fixed seed, so every run serves the same file). */
function randomArray(rng: SeededRandom, n: number, std: number, mean = 0): Float32Array {
  const data = new Float32Array(n);
  const half = std * Math.sqrt(3);
  for (let i = 0; i < n; i++) data[i] = mean + (rng.next() * 2 - 1) * half;
  return data;
}

function writeRandomWeights(configInput: Parameters<typeof resolveConfig>[0], file: string): void {
  const cfg = resolveConfig(configInput);
  const rng = new SeededRandom(0);
  const std = 0.8 / Math.sqrt(cfg.d_model); // TransformerLens's initializer range
  const tensors = new Map<string, TensorToWrite>();
  for (const e of expectedStateDict(cfg)) {
    if (e.optional) continue;
    const data = new Float32Array(e.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * std * Math.SQRT2;
    tensors.set(e.key, { dtype: "float16", shape: e.shape, data });
  }
  writeAtomically(file, writeSafetensors(tensors));
}

/**
 * A Hugging Face GPT-2 checkpoint of the config's shape: `GPT2LMHeadModel`'s state dict without `lm_head`
 * (tied to `wte`, as the Hub's file is), Conv1D weights [in, out], LayerNorm gains near 1, weights of
 * Hugging Face's initializer range (0.02), and each block's `attn.bias` causal-mask buffer [1, 1, P, P].
 */
function writeRandomHfGpt2(configInput: Parameters<typeof resolveConfig>[0], file: string): void {
  const cfg = resolveConfig(configInput);
  const { d_model: D, n_layers: L, n_ctx: P, d_vocab: V } = cfg;
  const M = cfg.d_mlp ?? 4 * D;
  const rng = new SeededRandom(0);
  const tensors = new Map<string, TensorToWrite>();
  const put = (key: string, shape: number[], std: number, mean = 0) =>
    tensors.set(key, { dtype: "float16", shape, data: randomArray(rng, shape[0] * (shape[1] ?? 1), std, mean) });
  put("wte.weight", [V, D], 0.02);
  put("wpe.weight", [P, D], 0.01);
  const mask = new Float32Array(P * P);
  for (let i = 0; i < P; i++) mask.fill(1, i * P, i * P + i + 1);
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`;
    put(`${h}ln_1.weight`, [D], 0.05, 1);
    put(`${h}ln_1.bias`, [D], 0.02);
    put(`${h}attn.c_attn.weight`, [D, 3 * D], 0.02);
    put(`${h}attn.c_attn.bias`, [3 * D], 0.02);
    put(`${h}attn.c_proj.weight`, [D, D], 0.02);
    put(`${h}attn.c_proj.bias`, [D], 0.02);
    tensors.set(`${h}attn.bias`, { dtype: "float16", shape: [1, 1, P, P], data: mask });
    put(`${h}ln_2.weight`, [D], 0.05, 1);
    put(`${h}ln_2.bias`, [D], 0.02);
    put(`${h}mlp.c_fc.weight`, [D, M], 0.02);
    put(`${h}mlp.c_fc.bias`, [M], 0.02);
    put(`${h}mlp.c_proj.weight`, [M, D], 0.02);
    put(`${h}mlp.c_proj.bias`, [D], 0.02);
  }
  put("ln_f.weight", [D], 0.05, 1);
  put("ln_f.bias", [D], 0.02);
  // The config first: a complete weights file means both are there.
  const hfConfig = {
    architectures: ["GPT2LMHeadModel"],
    model_type: "gpt2",
    activation_function: cfg.act_fn,
    n_embd: D,
    n_head: cfg.n_heads,
    n_layer: L,
    n_positions: P,
    n_ctx: P,
    vocab_size: V,
    layer_norm_epsilon: cfg.eps,
    bos_token_id: 50256,
    eos_token_id: 50256,
  };
  writeAtomically(file.replace(/-random-f16\.safetensors$/, "-config.json"), JSON.stringify(hfConfig, null, 2));
  writeAtomically(file, writeSafetensors(tensors, { format: "pt" }));
}

/** Written to a temporary name and renamed, so a file under its final name is always complete. */
function writeAtomically(file: string, bytes: Uint8Array | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.partial`, bytes);
  renameSync(`${file}.partial`, file);
}
