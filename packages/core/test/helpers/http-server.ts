/**
 * A local HTTP server on 127.0.0.1 for download tests: serves given bytes by path, counts requests, and
 * can misbehave (cut a response off halfway) to test interrupted downloads.
 */
import { createReadStream, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Route {
  body: Uint8Array;
  /** Stream this file instead of `body` (for large files). */
  file?: string;
  /** Send only this many bytes (with the full content-length), then destroy the socket. */
  cutAfter?: number;
  /** Send the body in pieces of this size with a pause between, so progress events are many. */
  chunkSize?: number;
}

export interface TestServer {
  url: string;
  port: number;
  /** Paths requested so far, in order. */
  requests: string[];
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route | Uint8Array> = {}): Promise<TestServer> {
  const table = new Map<string, Route>(Object.entries(routes).map(([p, r]) => [p, r instanceof Uint8Array ? { body: r } : r]));
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(p);
    const route = table.get(p);
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
      return;
    }
    if (route.file) {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(statSync(route.file).size) });
      createReadStream(route.file).pipe(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(route.body.length) });
    if (route.cutAfter !== undefined) {
      res.write(route.body.subarray(0, route.cutAfter), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const size = route.chunkSize ?? route.body.length;
    for (let at = 0; at < route.body.length; at += size) {
      const ok = res.write(route.body.subarray(at, at + size));
      if (!ok) await new Promise((r) => res.once("drain", r));
      if (route.chunkSize) await new Promise((r) => setTimeout(r, 1));
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    routes: table,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
