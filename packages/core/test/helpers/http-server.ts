/**
 * A local HTTP server on 127.0.0.1 for download tests: serves given bytes by path (a route with a query string
 * matches that exact query), counts requests, and misbehaves on demand: cuts a response off, stalls, trickles,
 * redirects, sends another status or content type, no content-length, or raw bytes of its own.
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
  /** Pause between pieces, in ms (with chunkSize). @default 1 */
  pauseMs?: number;
  /** Send this many bytes, then nothing more (the connection stays open): a stalled server. 0: not even headers. */
  stallAfter?: number;
  /** HTTP status. @default 200 */
  status?: number;
  /** content-type header. @default application/octet-stream */
  contentType?: string;
  /** Leave out content-length: the body ends when the connection closes. */
  noLength?: boolean;
  /** Redirect (302) to this path. */
  redirectTo?: string;
  /** Write these bytes to the socket as the whole response (status line and headers included), then close. */
  raw?: Uint8Array;
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
  const table = new Map<string, Route>(
    Object.entries(routes).map(([p, r]) => [p, r instanceof Uint8Array ? { body: r } : r]),
  );
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const p = decodeURIComponent(u.pathname);
    requests.push(p + u.search);
    const route = table.get(p + u.search) ?? table.get(p);
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
      return;
    }
    if (route.raw) {
      res.socket?.end(route.raw);
      return;
    }
    if (route.redirectTo !== undefined) {
      res.writeHead(302, { location: route.redirectTo }).end();
      return;
    }
    if (route.stallAfter === 0) return; // never answer
    const headers: Record<string, string> = { "content-type": route.contentType ?? "application/octet-stream" };
    if (!route.noLength) headers["content-length"] = String(route.body.length);
    if (route.stallAfter !== undefined) {
      res.writeHead(route.status ?? 200, headers);
      res.write(route.body.subarray(0, route.stallAfter));
      return; // and never end
    }
    if (route.file) {
      res.writeHead(200, {
        "content-type": route.contentType ?? "application/octet-stream",
        "content-length": String(statSync(route.file).size),
      });
      createReadStream(route.file).pipe(res);
      return;
    }
    res.writeHead(route.status ?? 200, headers);
    if (route.cutAfter !== undefined) {
      res.write(route.body.subarray(0, route.cutAfter), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const size = route.chunkSize ?? route.body.length;
    for (let at = 0; at < route.body.length; at += size) {
      const ok = res.write(route.body.subarray(at, at + size));
      if (!ok) await new Promise((r) => res.once("drain", r));
      if (route.chunkSize) await new Promise((r) => setTimeout(r, route.pauseMs ?? 1));
      if (res.destroyed) return;
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
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
