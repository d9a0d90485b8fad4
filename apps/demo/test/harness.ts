/**
 * Shared setup of the browser tests: build the demo when dist/ is missing, serve it with `vite preview` on a
 * free port, and launch Debian's Chromium through playwright-core (never a downloaded browser).
 */
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { build, preview, type PreviewServer } from "vite";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);
export const shots = process.env.ATTNSCOPE_SHOTS ?? "/tmp/attnscope-shots";

/** Requests the page may make: the preview server, data: and blob: URLs. */
export const isLocal = (url: string) => /^(https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/|data:|blob:)/.test(url);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no free port"))));
    });
  });
}

export interface Demo {
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startDemo(): Promise<Demo> {
  if (!existsSync(path.join(root, "dist", "index.html")) || process.env.ATTNSCOPE_DEMO_REBUILD) {
    await build({ root, logLevel: "warn" });
  }
  const port = await freePort();
  const server: PreviewServer = await preview({ root, logLevel: "warn", preview: { port, strictPort: true, host: "127.0.0.1", open: false } });
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    browser,
    async close() {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    },
  };
}
