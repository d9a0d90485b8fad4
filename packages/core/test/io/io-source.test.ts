import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { browserCache } from "../../src/io/cache.js";
import { DownloadError } from "../../src/io/download.js";
import { resolveHfUrl } from "../../src/io/hf.js";
import { readJsonSource, readSource, readTextSource } from "../../src/io/source.js";
import type { ProgressEvent } from "../../src/io/progress.js";
import { closedPort, startServer } from "../helpers/http-server.js";
import type { TestServer } from "../helpers/http-server.js";
import { filesUnder, tempWork } from "../helpers/cache-dirs.js";

const { work, freshDir } = tempWork("attnscope-io-");

/** Where the folder cache keeps a URL: `<host>_<port>/<first 24 hex digits of sha256(url)>-<last segment>`. */
const cachedName = (url: string) => {
  const u = new URL(url);
  return path.join(
    u.host.replace(":", "_"),
    `${createHash("sha256").update(u.href).digest("hex").slice(0, 24)}-${u.pathname.split("/").pop()}`,
  );
};

const payload = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    "/files/weights.bin": { body: payload, chunkSize: 16_384 },
    "/files/cut.bin": { body: payload, cutAfter: 150_000 },
    "/files/config.json": new TextEncoder().encode('{"d_model": 64}'),
    "/files/broken.json": new TextEncoder().encode('{"d_model": '),
  });
});
afterAll(() => server.close());

describe("readSource: bytes and local files", () => {
  it("returns bytes, ArrayBuffers and Blobs as bytes", async () => {
    const b = Uint8Array.of(1, 2, 3);
    expect(await readSource(b)).toBe(b);
    expect([...(await readSource(b.buffer))]).toEqual([1, 2, 3]);
    expect([...(await readSource(new Blob([b])))]).toEqual([1, 2, 3]);
    expect([...(await readSource(new DataView(b.buffer, 1, 2)))]).toEqual([2, 3]);
  });
  it("reads a path and a file: URL, and names a missing file", async () => {
    const f = path.join(work, "local.bin");
    writeFileSync(f, Uint8Array.of(9, 8, 7));
    expect([...(await readSource(f))]).toEqual([9, 8, 7]);
    expect([...(await readSource(new URL(`file://${f}`)))]).toEqual([9, 8, 7]);
    await expect(readSource(path.join(work, "nope.pth"))).rejects.toThrow(
      `${path.join(work, "nope.pth")}: no such file`,
    );
  });
});

describe("readSource: downloads", () => {
  it("downloads with progress events that rise monotonically and end at content-length", async () => {
    const events: ProgressEvent[] = [];
    const url = `${server.url}/files/weights.bin`;
    const bytes = await readSource(url, { cache: false, onProgress: (e) => events.push({ ...e }) });
    expect(Buffer.from(bytes).equals(Buffer.from(payload))).toBe(true);
    expect(events.length).toBeGreaterThan(3);
    for (const e of events) expect(e).toMatchObject({ phase: "download", file: url, total: payload.length });
    for (let i = 1; i < events.length; i++) expect(events[i].loaded).toBeGreaterThanOrEqual(events[i - 1].loaded);
    expect(events[0].loaded).toBe(0);
    expect(events.at(-1)!.loaded).toBe(payload.length);
  });

  it("an aborted download rejects with the abort reason and caches nothing", async () => {
    const cache = freshDir();
    const controller = new AbortController();
    server.routes.set("/files/slow.bin", { body: payload, chunkSize: 1024 });
    const p = readSource(`${server.url}/files/slow.bin`, {
      cache,
      signal: controller.signal,
      onProgress: (e) => e.loaded > 10_000 && controller.abort(new Error("stop")),
    });
    await expect(p).rejects.toThrow("stop");
    expect(filesUnder(cache)).toEqual([]);
  });

  it("names the URL and the status of a 404", async () => {
    const url = `${server.url}/files/missing.pth`;
    const err = await readSource(url, { cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toBe(`could not download ${url}: HTTP 404 Not Found (no such file)`);
    expect(err.status).toBe(404);
  });

  it("names the URL and the cause when the host is unreachable", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/model.pth`;
    const err = await readSource(url, { cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(new RegExp(`^could not download ${url.replace(/[.]/g, "\\.")}: ECONNREFUSED`));
  });

  it("an interrupted download fails and leaves nothing in the cache folder", async () => {
    const cache = freshDir();
    const url = `${server.url}/files/cut.bin`;
    const err = await readSource(url, { cache }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(
      new RegExp(`^download of ${url.replace(/[.]/g, "\\.")} (was interrupted after|ended after) \\d+ of 300000 bytes`),
    );
    expect(filesUnder(cache)).toEqual([]);
  });

  it("caches a complete download in the folder; a cache hit makes no request", async () => {
    const cache = freshDir();
    const url = `${server.url}/files/weights.bin`;
    const before = server.requests.length;
    await readSource(url, { cache });
    expect(server.requests.length).toBe(before + 1);
    const files = filesUnder(cache);
    expect(files).toEqual([cachedName(url)]);
    expect(readFileSync(path.join(cache, files[0])).equals(Buffer.from(payload))).toBe(true);

    const events: ProgressEvent[] = [];
    const again = await readSource(url, { cache, onProgress: (e) => events.push(e) });
    expect(server.requests.length).toBe(before + 1);
    expect(Buffer.from(again).equals(Buffer.from(payload))).toBe(true);
    expect(events).toEqual([{ phase: "read", file: url, loaded: payload.length, total: payload.length }]);
  });

  it("the browser cache (Cache API) stores only complete downloads and serves hits without a request", async () => {
    // A minimal in-memory CacheStorage with the methods the adapter uses.
    const store = new Map<string, Response>();
    const opened: string[] = [];
    (globalThis as { caches?: unknown }).caches = {
      open: async (name: string) => {
        opened.push(name);
        return {
          match: async (url: string) => store.get(url)?.clone(),
          put: async (url: string, res: Response) => void store.set(url, res),
        };
      },
    };
    try {
      const cache = browserCache()!;
      await expect(readSource(`${server.url}/files/cut.bin`, { cache })).rejects.toThrow(DownloadError);
      expect(store.size).toBe(0);
      const url = `${server.url}/files/weights.bin`;
      const before = server.requests.length;
      await readSource(url, { cache });
      expect([...store.keys()]).toEqual([url]);
      const hit = await readSource(url, { cache });
      expect(server.requests.length).toBe(before + 1);
      expect(Buffer.from(hit).equals(Buffer.from(payload))).toBe(true);
      expect(new Set(opened)).toEqual(new Set(["attnscope"]));
    } finally {
      delete (globalThis as { caches?: unknown }).caches;
    }
  });

  describe("with ATTNSCOPE_CACHE and HF_ENDPOINT", () => {
    const saved = { cache: process.env.ATTNSCOPE_CACHE, hf: process.env.HF_ENDPOINT };
    afterEach(() => {
      for (const [k, v] of [
        ["ATTNSCOPE_CACHE", saved.cache],
        ["HF_ENDPOINT", saved.hf],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    it("the default cache folder is $ATTNSCOPE_CACHE", async () => {
      const cache = freshDir();
      process.env.ATTNSCOPE_CACHE = cache;
      await readSource(`${server.url}/files/config.json`);
      expect(filesUnder(cache)).toEqual([cachedName(`${server.url}/files/config.json`)]);
    });

    it("hf:owner/repo/file resolves against HF_ENDPOINT (default https://huggingface.co)", async () => {
      delete process.env.HF_ENDPOINT;
      expect(resolveHfUrl("hf:callummcdougall/attn_only_2L_half/attn_only_2L_half.pth")).toBe(
        "https://huggingface.co/callummcdougall/attn_only_2L_half/resolve/main/attn_only_2L_half.pth",
      );
      expect(resolveHfUrl("hf:EleutherAI/gpt-neox-20b@v1.0/sub dir/tokenizer.json")).toBe(
        "https://huggingface.co/EleutherAI/gpt-neox-20b/resolve/v1.0/sub%20dir/tokenizer.json",
      );
      process.env.HF_ENDPOINT = server.url + "/";
      server.routes.set("/callummcdougall/attn_only_2L_half/resolve/main/attn_only_2L_half.pth", { body: payload });
      const bytes = await readSource("hf:callummcdougall/attn_only_2L_half/attn_only_2L_half.pth", { cache: false });
      expect(Buffer.from(bytes).equals(Buffer.from(payload))).toBe(true);
      expect(server.requests.at(-1)).toBe("/callummcdougall/attn_only_2L_half/resolve/main/attn_only_2L_half.pth");
      // the hfEndpoint option overrides the environment (the browser's way to set it)
      await expect(
        readSource("hf:a/b/c.pth", { cache: false, hfEndpoint: `http://127.0.0.1:${await closedPort()}` }),
      ).rejects.toThrow(/ECONNREFUSED/);
    });
  });

  it("readTextSource and readJsonSource parse text and JSON, naming the source on bad JSON", async () => {
    expect(await readTextSource(`${server.url}/files/config.json`, { cache: false })).toBe('{"d_model": 64}');
    expect(await readJsonSource(`${server.url}/files/config.json`, { cache: false })).toEqual({ d_model: 64 });
    await expect(readJsonSource(`${server.url}/files/broken.json`, { cache: false })).rejects.toThrow(
      `${server.url}/files/broken.json: invalid JSON`,
    );
  });
});
