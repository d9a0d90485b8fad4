/**
 * Shared setup of the browser tests: build the demo when dist/ is missing, serve it with `vite preview` on a
 * free port, and launch Debian's Chromium through playwright-core (never a downloaded browser).
 */
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadDefaultModelFiles } from "@attnscope/core";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { build, preview, type PreviewServer } from "vite";
import { afterAll, beforeAll } from "vitest";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);
export const shots = process.env.ATTNSCOPE_SHOTS ?? "/tmp/attnscope-shots";

/** Requests the page may make: the preview server, data: and blob: URLs. */
export const isLocal = (url: string) => /^(https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/|data:|blob:)/.test(url);

/** Tokens the embedded default model makes of `text`, BOS included: its tokenizer, run here in Node. */
export function defaultTokenCount(text: string): number {
  return 1 + loadDefaultModelFiles().tokenizer.encode(text).length;
}

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
  const server: PreviewServer = await preview({
    root,
    logLevel: "warn",
    preview: { port, strictPort: true, host: "127.0.0.1", open: false },
  });
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

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Requests that tried to leave localhost (all aborted). */
  outside: string[];
  /** Uncaught errors and console errors. */
  errors: string[];
}

/** A new browser context whose requests may not leave the machine, and a page in it. */
export async function openPage(
  demo: Demo,
  opts: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<OpenedPage> {
  const context = await demo.browser.newContext({
    viewport: { width: opts.width ?? 1400, height: opts.height ?? 1000 },
    colorScheme: opts.colorScheme ?? "light",
  });
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    outside.push(url);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return { context, page, outside, errors };
}

/** Heads a detector list names (its text, space-separated). */
export async function headsOf(page: Page, testId: string): Promise<string[]> {
  const text = (await page.getByTestId(testId).textContent()) ?? "";
  return text.split(/\s+/).filter(Boolean);
}

/** Sets a range or number input the way a user's drag does (value + input event), for React to see. */
export async function setInputValue(page: Page, testId: string, value: number | string): Promise<void> {
  await page.getByTestId(testId).evaluate((el, v) => {
    const input = el as HTMLInputElement;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!.call(input, String(v));
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, value);
}

/** The page has run the text and every panel that depends on it has drawn. */
export async function waitForReady(page: Page): Promise<void> {
  await page.getByTestId("model-name").waitFor({ timeout: 60_000 });
  await page.getByTestId("detected-heads").waitFor({ timeout: 60_000 });
  await page.getByTestId("induction-result").waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="run-status"]')?.getAttribute("data-state") === "ready",
    null,
    { timeout: 60_000 },
  );
}

/** A describe block's demo: served, opened and ready before its first test, closed after its last. */
export interface DemoSuite {
  demo: Demo;
  o: OpenedPage;
}

/**
 * Register the beforeAll / afterAll that start the demo, open it and wait for its first run; the returned
 * object is filled in by the time the suite's tests run.
 */
export function openDemoForSuite(): DemoSuite {
  const suite = {} as DemoSuite;
  beforeAll(async () => {
    suite.demo = await startDemo();
    suite.o = await openPage(suite.demo);
    await suite.o.page.goto(suite.demo.baseUrl);
    await waitForReady(suite.o.page);
  });
  afterAll(async () => {
    await suite.demo?.close();
  });
  return suite;
}
