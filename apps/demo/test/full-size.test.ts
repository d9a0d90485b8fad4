/**
 * The Hugging Face model path at full size, with a local stand-in for the Hub: the page downloads a random
 * model of the real `attn-only-2l-half` config (167 MB) and the real GPT-NeoX tokenizer, shows progress,
 * runs all 24 heads, and on the next visit reads both from the browser's cache without a request.
 * Opt in with ATTNSCOPE_DEMO_FULL_SIZE=1 (about a gigabyte of memory in the browser); needs the shared test
 * data (../shared/tokenizers/gpt-neox-20b.json next to the repository).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeHubFiles, recordStatus, routeToHub, startLocalHub, type LocalHub } from "./full-size-model.js";
import { haveChromium, isLocal, root, shots, startDemo, type Demo } from "./harness.js";

const repoRoot = path.resolve(root, "..", "..");
const tokenizerJson = path.join(path.resolve(repoRoot, "..", "shared"), "tokenizers", "gpt-neox-20b.json");
const haveTokenizer = existsSync(tokenizerJson);
const enabled = haveChromium && haveTokenizer && !!process.env.ATTNSCOPE_DEMO_FULL_SIZE;
if (process.env.ATTNSCOPE_DEMO_FULL_SIZE && !haveTokenizer) {
  console.warn(`full-size demo test skipped: ${tokenizerJson} is missing`);
}

describe.runIf(enabled)("attn-only-2l-half from a local stand-in for the Hub", () => {
  let demo: Demo;
  let context: BrowserContext;
  let hub: LocalHub;
  let served: string[];
  let outside: string[] = [];

  beforeAll(async () => {
    hub = await startLocalHub(
      fakeHubFiles("attn-only-2l-half", tokenizerJson, path.join(process.env.TMPDIR ?? "/tmp", "attnscope-demo-hub")),
    );
    served = hub.served;
    demo = await startDemo();
    context = await demo.browser.newContext({ viewport: { width: 1280, height: 1000 }, colorScheme: "light" });
    outside = await routeToHub(context, hub, isLocal);
  }, 600_000);

  afterAll(async () => {
    await demo?.close();
    await hub?.close();
  });

  async function openAndPick(page: Page): Promise<string[]> {
    await page.goto(demo.baseUrl);
    await page.getByTestId("model-name").waitFor({ timeout: 60_000 });
    const log = await recordStatus(page);
    await page.getByTestId("model-select").selectOption("attn-only-2l-half");
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="model-name"]')?.textContent === "attn-only-2l-half" ||
        document.querySelector('[data-testid="model-error"]') !== null,
      null,
      { timeout: 600_000 },
    );
    expect(await page.getByTestId("model-error").count()).toBe(0);
    return log();
  }

  it("downloads with progress, then runs every head of the real config", async () => {
    const page = await context.newPage();
    const progressShot = page
      .waitForSelector('[data-testid="model-status"] progress[value]', { timeout: 120_000 })
      .then(() => page.waitForTimeout(300))
      .then(() => page.getByTestId("model-panel").screenshot({ path: path.join(shots, "demo-download-progress.png") }));
    const statuses = await openAndPick(page);
    await progressShot;
    expect(served.some((u) => u.endsWith("/attn_only_2L_half.pth"))).toBe(true);
    expect(served.some((u) => u.endsWith("/tokenizer.json"))).toBe(true);
    expect(outside).toEqual([]);
    // Progress named the weights file and counted bytes against its size.
    expect(statuses.some((t) => /Downloading .*attn_only_2L_half\.pth: [\d.]+ (kB|MB) of 1[56]\d\.\d MB/.test(t))).toBe(
      true,
    );
    const status = (await page.getByTestId("model-status").textContent()) ?? "";
    expect(status).toContain("2 layers × 12 heads, d_model 768, vocabulary 50278");
    // ARENA's prompt is 62 tokens with BOS under the GPT-NeoX tokenizer (its cached patterns are 62 × 62).
    await page.waitForFunction(
      () => document.querySelector('[data-testid="token-count"]')?.getAttribute("data-count") === "62",
      null,
      { timeout: 120_000 },
    );
    const thumbs = page.getByTestId("patterns").locator('[role="option"][aria-label^="Head "]');
    expect(await thumbs.count()).toBe(24);
    expect(await thumbs.last().getAttribute("aria-label")).toBe("Head 1.11");
    await page.getByTestId("detected-heads").waitFor();
    await page.screenshot({ path: path.join(shots, "demo-full-size.png"), fullPage: true });
    await page.close();
  });

  it("reads the model from the browser's cache on the next visit, without a request", async () => {
    const before = served.length;
    const page = await context.newPage();
    await openAndPick(page);
    // Loaded, and nothing asked the Hub: both files came from the Cache API.
    expect(served.length).toBe(before);
    expect(outside).toEqual([]);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="token-count"]')?.getAttribute("data-count") === "62",
      null,
      { timeout: 120_000 },
    );
    await page.close();
  });
});
