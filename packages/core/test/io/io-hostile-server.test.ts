// Servers that fail the ways real networks do (127.0.0.1): each load fails with a clear error, and nothing is left in
// the cache; a cache that cannot be used costs a warning, not the load.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelFiles } from "../../src/io/model-files.js";
import { DownloadError } from "../../src/io/download.js";
import { writeSafetensors } from "../../src/weights/safetensors.js";
import { WeightsError } from "../../src/weights/errors.js";
import type { ProgressEvent } from "../../src/io/progress.js";
import { startServer, type TestServer } from "../helpers/http-server.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";
import { filesUnder, tempWork } from "../helpers/cache-dirs.js";

const { freshDir } = tempWork("attnscope-hostile-io-");

const cfg = smallConfig();
const config = { ...cfg } as Record<string, unknown>;
const weights = writeSafetensors(randomStateDict(cfg));
const otherWeights = writeSafetensors(randomStateDict(cfg, 2));
const html = new TextEncoder().encode("<!DOCTYPE html><html><body>Please log in to continue</body></html>");
const enc = (s: string) => new TextEncoder().encode(s);

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    "/ok/model.safetensors": weights,
    "/stalled/model.safetensors": { body: weights, stallAfter: 1000 },
    "/silent/model.safetensors": { body: weights, stallAfter: 0 },
    "/trickle/model.safetensors": { body: weights.subarray(0, 4000), chunkSize: 200, pauseMs: 20 },
    "/trickle-stop/model.safetensors": { body: weights, chunkSize: 100, pauseMs: 3000 },
    "/portal/model.safetensors": { body: html, contentType: "text/html; charset=utf-8" },
    "/portal-octets/model.safetensors": { body: html },
    "/json-error/model.safetensors": {
      body: enc('{"error": "Repository not found"}'),
      contentType: "application/json",
    },
    "/short/model.safetensors": { body: weights, cutAfter: 5000 },
    "/close-delimited/model.safetensors": { body: weights.subarray(0, weights.length - 100), noLength: true },
    "/wrong-length/model.safetensors": {
      body: new Uint8Array(0),
      raw: Uint8Array.from([
        ...enc(
          "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 3000\r\nconnection: close\r\n\r\n",
        ),
        ...weights,
      ]),
    },
    "/loop/model.safetensors": { body: new Uint8Array(0), redirectTo: "/loop/model.safetensors" },
    "/q/model.safetensors?revision=a": weights,
    "/q/model.safetensors_revision=a": otherWeights,
    "/q/bad.safetensors?x=1": { body: html, contentType: "text/html" },
  });
});
afterAll(() => server.close());

async function expectRefused(route: string, message: RegExp, opts: { idleTimeoutMs?: number; maxBytes?: number } = {}) {
  const cache = freshDir();
  const events: ProgressEvent[] = [];
  const url = `${server.url}${route}`;
  const t0 = performance.now();
  const err = await loadModelFiles(
    { config, weights: url },
    { cache, onProgress: (e) => events.push(e), ...opts },
  ).catch((e) => e);
  expect(err, `${route} should fail`).toBeInstanceOf(Error);
  expect(err.message).toMatch(message);
  expect(filesUnder(cache), "nothing is cached").toEqual([]);
  return { err, events, ms: performance.now() - t0 };
}

describe("a flaky or hostile server gives a clear error and leaves nothing in the cache", () => {
  // Idle timeouts are generous enough for a loaded machine to send what the server sends before it stops.
  it("stalled: no byte for the idle timeout after the first 1000", async () => {
    const { err, events, ms } = await expectRefused(
      "/stalled/model.safetensors",
      new RegExp(
        `stalled: no data for 1\\.5 s after 1000 of ${weights.length} bytes \\(the idle timeout is the idleTimeoutMs option\\)`,
      ),
      { idleTimeoutMs: 1500 },
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect(events.at(-1)!.error).toMatch(/stalled/);
    expect(ms).toBeLessThan(10_000);
  });
  it("stalled before sending any header", async () => {
    await expectRefused("/silent/model.safetensors", /stalled: no data for 0\.3 s after 0 bytes/, {
      idleTimeoutMs: 300,
    });
  });
  it("trickling: slow but steady bytes are not a stall (the timer restarts on every byte), and only a complete, valid file is cached", async () => {
    // 4000 bytes at 200 per 20 ms: a truncated file that arrives fine, then fails to parse: not cached.
    const { err } = await expectRefused("/trickle/model.safetensors", /model\.safetensors: (header|tensor)/, {
      idleTimeoutMs: 3000,
    });
    expect(err).toBeInstanceOf(WeightsError);
  });
  it("trickling that stops: 100 bytes, then none for 3 s, with a 1 s idle timeout", async () => {
    await expectRefused("/trickle-stop/model.safetensors", /stalled: no data for 1 s after 100 of/, {
      idleTimeoutMs: 1000,
    });
  });
  it("a 200 HTML page (login wall, captive portal) served as text/html", async () => {
    await expectRefused(
      "/portal/model.safetensors",
      /answered with an HTML page \(content-type text\/html\) instead of a weight file: a login page, captive portal or error page\? Nothing was cached/,
    );
  });
  it("a 200 HTML page served as application/octet-stream is caught by its first bytes", async () => {
    await expectRefused(
      "/portal-octets/model.safetensors",
      /answered with not a PyTorch checkpoint or safetensors file \(it looks like HTML or XML\); nothing was cached/,
    );
  });
  it("a 200 JSON error page where weights were expected", async () => {
    await expectRefused(
      "/json-error/model.safetensors",
      /answered with JSON \(content-type application\/json\) instead of a weight file/,
    );
  });
  it("a short body: fewer bytes than content-length, then the connection closes", async () => {
    const { err } = await expectRefused(
      "/short/model.safetensors",
      new RegExp(`(ended after|interrupted after) \\d+ of ${weights.length} bytes`),
    );
    expect(err).toBeInstanceOf(DownloadError);
  });
  it("a close-delimited body (no content-length) that is cut short does not parse and is not cached", async () => {
    const { err } = await expectRefused(
      "/close-delimited/model.safetensors",
      /model\.safetensors: .*(run past the end|after the last tensor|truncated)/,
    );
    expect(err).toBeInstanceOf(WeightsError);
  });
  it("a wrong content-length (smaller than the file) gives a file that does not parse, and is not cached", async () => {
    const { err } = await expectRefused("/wrong-length/model.safetensors", /model\.safetensors: /);
    expect(err).toBeInstanceOf(WeightsError);
  });
  it("a redirect loop", async () => {
    await expectRefused("/loop/model.safetensors", /too many redirects: the server redirects in a loop/);
  });
  it("a URL with a query string serving an HTML page", async () => {
    await expectRefused("/q/bad.safetensors?x=1", /answered with an HTML page/);
  });
  it("a body over maxBytes is refused from its content-length", async () => {
    await expectRefused(
      "/ok/model.safetensors",
      new RegExp(`is ${weights.length} bytes, more than the maxBytes limit of 1000`),
      { maxBytes: 1000 },
    );
  });
});

describe("cache keys and unusable caches", () => {
  it("/x?y and /x_y are cached apart (the key hashes the full URL), and each hit is its own file", async () => {
    const cache = freshDir();
    const a = `${server.url}/q/model.safetensors?revision=a`;
    const b = `${server.url}/q/model.safetensors_revision=a`;
    const sdA = (await loadModelFiles({ config, weights: a }, { cache })).stateDict;
    const sdB = (await loadModelFiles({ config, weights: b }, { cache })).stateDict;
    expect(filesUnder(cache)).toHaveLength(2);
    const before = server.requests.length;
    const hitA = (await loadModelFiles({ config, weights: a }, { cache })).stateDict;
    const hitB = (await loadModelFiles({ config, weights: b }, { cache })).stateDict;
    expect(server.requests.length).toBe(before);
    expect([...hitA.get("embed.W_E")!.data]).toEqual([...sdA.get("embed.W_E")!.data]);
    expect([...hitB.get("embed.W_E")!.data]).toEqual([...sdB.get("embed.W_E")!.data]);
    expect([...hitA.get("embed.W_E")!.data]).not.toEqual([...hitB.get("embed.W_E")!.data]);
  });
  it("a file cached in the earlier <host>/<path> layout is still read, and moved to its new name", async () => {
    const cache = freshDir();
    const legacy = path.join(cache, `127.0.0.1_${server.port}`, "ok", "model.safetensors");
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, weights);
    const before = server.requests.length;
    await loadModelFiles({ config, weights: `${server.url}/ok/model.safetensors` }, { cache });
    expect(server.requests.length).toBe(before);
    expect(existsSync(legacy)).toBe(false);
    expect(filesUnder(cache)).toEqual([expect.stringMatching(/^127\.0\.0\.1_\d+\/[0-9a-f]{24}-model\.safetensors$/)]);
  });
  it("a damaged cached copy is dropped with a warning and downloaded again", async () => {
    const cache = freshDir();
    const url = `${server.url}/ok/model.safetensors`;
    await loadModelFiles({ config, weights: url }, { cache });
    const [file] = filesUnder(cache);
    writeFileSync(path.join(cache, file), html);
    const warnings: string[] = [];
    const files = await loadModelFiles({ config, weights: url }, { cache, onWarning: (m) => warnings.push(m) });
    expect(files.stateDict.size).toBeGreaterThan(0);
    expect(warnings).toEqual([expect.stringMatching(/the cached copy of .* is damaged \(.*\); downloading it again/)]);
    expect(filesUnder(cache)).toEqual([file]);
  });
  it("a cache folder that is a file: the load works, with a warning saying why nothing is cached", async () => {
    const notADir = `${freshDir()}-a-file`;
    writeFileSync(notADir, "x");
    const warnings: string[] = [];
    const files = await loadModelFiles(
      { config, weights: `${server.url}/ok/model.safetensors` },
      { cache: notADir, onWarning: (m) => warnings.push(m) },
    );
    expect(files.stateDict.size).toBeGreaterThan(0);
    expect(warnings.join("\n")).toMatch(
      new RegExp(
        `cannot write to the download cache: ${notADir.replace(/[.]/g, "\\.")} \\(or a folder in it\\) is a file, not a folder; .* was loaded but not cached`,
      ),
    );
  });
});
