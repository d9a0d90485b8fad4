/**
 * The live view's engine choice in Chromium: onnxruntime-web (wasm here: the browser runs with --disable-gpu,
 * so navigator.gpu gives no adapter) runs the same model as the in-process kernels, loads its .wasm from the
 * demo's own files (nothing leaves the machine), names itself in the status line, and the detectors name the
 * same heads on the same text.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { defaultTokenCount, haveChromium, headsOf, openDemoForSuite, openPage, shots } from "./harness.js";

const DETECTORS = ["detector-current", "detector-previous", "detector-first"] as const;

/** What the live view shows about a run: its engine, its token count, the three detector lists, the mean loss. */
async function liveView(page: Page) {
  return {
    engine: (await page.getByTestId("run-engine").textContent()) ?? "",
    tokens: Number(await page.getByTestId("token-count").getAttribute("data-count")),
    heads: Object.fromEntries(await Promise.all(DETECTORS.map(async (d) => [d, await headsOf(page, d)] as const))),
    meanLoss: Number(await page.getByTestId("mean-loss").textContent()),
  };
}

/** Waits until the live view is up to date, shows a run of `tokens` tokens, on an engine matching `engine`. */
async function waitForRun(page: Page, engine: RegExp, tokens: number): Promise<void> {
  await page.waitForFunction(
    ([source, n]) => {
      const status = document.querySelector('[data-testid="run-status"]')?.getAttribute("data-state");
      const name = document.querySelector('[data-testid="run-engine"]')?.textContent ?? "";
      const count = Number(document.querySelector('[data-testid="token-count"]')?.getAttribute("data-count"));
      return status === "ready" && new RegExp(source).test(name) && count === n;
    },
    [engine.source, tokens] as const,
    { timeout: 120_000 },
  );
}

describe.skipIf(!haveChromium)("demo: the live view's engine", () => {
  const suite = openDemoForSuite();

  it("runs the seed text on onnxruntime-web and names the same heads as the kernels", async () => {
    const { page, outside, errors } = suite.o;
    const seed = await page.getByTestId("text-input").inputValue();
    await waitForRun(page, /^kernels/, defaultTokenCount(seed));
    const kernels = await liveView(page);
    // The seed paragraph has a previous-token head on the embedded model.
    expect(kernels.heads["detector-previous"].length).toBeGreaterThan(0);

    await page.getByLabel("Engine").selectOption("onnxruntime");
    await waitForRun(page, /^ort-web wasm/, defaultTokenCount(seed));
    await page.locator("#patterns-panel").screenshot({ path: path.join(shots, "demo-engine-ort.png") });
    const ort = await liveView(page);
    expect(ort.engine).toBe("ort-web wasm");
    expect(ort.heads).toEqual(kernels.heads);
    // Both show the loss to two decimals; the engines agree far closer than that.
    expect(Math.abs(ort.meanLoss - kernels.meanLoss)).toBeLessThanOrEqual(0.011);
    expect(await page.getByTestId("engine-warning").count()).toBe(0);
    expect(new URL(page.url()).searchParams.get("engine")).toBe("onnxruntime");
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("keeps running typed text on onnxruntime-web, and the kernels agree on it", async () => {
    const { page, errors } = suite.o;
    const text = "abc xyz mq abc xyz mq abc xyz mq abc xyz mq";
    await page.getByTestId("text-input").fill(text);
    await waitForRun(page, /^ort-web wasm/, defaultTokenCount(text));
    const ort = await liveView(page);
    await page.getByLabel("Engine").selectOption("kernels");
    await waitForRun(page, /^kernels/, defaultTokenCount(text));
    const kernels = await liveView(page);
    expect(ort.heads).toEqual(kernels.heads);
    // A repeated text: the embedded model's previous-token heads fire on it.
    expect(kernels.heads["detector-previous"].length).toBeGreaterThan(0);
    expect(new URL(page.url()).searchParams.has("engine")).toBe(false);
    expect(errors).toEqual([]);
  });

  it("falls back to the kernels, with onnxruntime's message on the page, when onnxruntime-web cannot start", async () => {
    const o = await openPage(suite.demo);
    try {
      // Its .wasm does not arrive: every session onnxruntime-web tries to create fails.
      await o.context.route(/ort-wasm-simd-threaded[^/]*\.wasm$/, (route) => route.abort("failed"));
      await o.page.goto(`${suite.demo.baseUrl}?engine=onnxruntime`);
      expect(await o.page.getByLabel("Engine").inputValue()).toBe("onnxruntime");
      const seed = await o.page.getByTestId("text-input").inputValue();
      await waitForRun(o.page, /^kernels/, defaultTokenCount(seed));
      const warning = (await o.page.getByTestId("engine-warning").textContent()) ?? "";
      await o.page.locator("#patterns-panel").screenshot({ path: path.join(shots, "demo-engine-fallback.png") });
      expect(warning).toMatch(/^onnxruntime failed: .+; ran on kernels/);
      // The view is not blank: every head's pattern and the detector lists are there.
      await o.page.getByTestId("patterns").waitFor();
      expect((await headsOf(o.page, "detector-previous")).length).toBeGreaterThan(0);
    } finally {
      await o.context.close();
    }
  });
});
