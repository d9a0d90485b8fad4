/**
 * A stand-in for the Hugging Face files of `attn-only-2l-half`, for serving in place of the Hub: random
 * weights of the real config (83.5M parameters, float16 safetensors, 167 MB, written once and reused) and
 * the GPT-NeoX tokenizer from the shared test data, served by a local HTTP server.
 */
import { createReadStream, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
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

/** The registry's URLs for `name`, answered by a random full-size model and the shared tokenizer.json. */
export function fakeHubFiles(name: string, tokenizerJson: string, dir: string): HubFiles {
  const known = getKnownModel(name);
  // Models whose config is read from their checkpoint's config.json (NeelNanda's) have none to draw weights for.
  if (!known.config) throw new Error(`${name}: the registry has no config to make random weights from`);
  const config = known.config;
  const weights = path.join(dir, `${name}-random-f16.safetensors`);
  if (!existsSync(weights) || statSync(weights).size < 1e8) writeRandomWeights(config, weights);
  return {
    files: new Map([
      [resolveHfUrl(known.weights), weights],
      [resolveHfUrl(known.tokenizer), tokenizerJson],
    ]),
  };
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
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.partial`, writeSafetensors(tensors));
  renameSync(`${file}.partial`, file);
}
