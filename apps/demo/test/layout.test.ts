/**
 * End to end, sharing and layout: a URL with state reproduces the view; nothing scrolls sideways at 390 px;
 * `PORT` picks the port of `npm run serve`; and every panel is photographed at 1400 and 390 px, light and
 * dark, into $ATTNSCOPE_SHOTS/demo/ (default /tmp/attnscope-shots/demo/).
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  haveChromium,
  headsOf,
  openPage,
  root,
  setInputValue,
  shots,
  startDemo,
  waitForReady,
  type Demo,
  type OpenedPage,
} from "./harness.js";

const PANELS = ["model-panel", "patterns-panel", "detectors", "custom", "induction", "ablation", "circuit", "training"];

const selectedHead = (page: OpenedPage["page"], scope: string) =>
  page
    .locator(scope)
    .locator('[role="option"][aria-selected="true"][aria-label^="Head "]')
    .first()
    .getAttribute("aria-label");

describe.skipIf(!haveChromium)("demo sharing and layout in Chromium", () => {
  let demo: Demo;

  beforeAll(async () => {
    demo = await startDemo();
  });

  afterAll(async () => {
    await demo?.close();
  });

  it("a URL with state reproduces the view, and the view keeps its URL up to date", async () => {
    const o = await openPage(demo);
    const { page } = o;
    const text = "The cat sat on the mat. The cat sat on the mat.";
    const q = new URLSearchParams({
      text,
      threshold: "0.25",
      head: "1.2",
      ablate: "0.1",
      mode: "mean",
      panel: "ablation",
    });
    await page.goto(`${demo.baseUrl}?${q}`);
    await waitForReady(page);
    expect(await page.getByTestId("text-input").inputValue()).toBe(text);
    expect(await page.getByTestId("threshold").inputValue()).toBe("0.25");
    await expect.poll(() => selectedHead(page, "#patterns")).toBe("Head 1.2");
    expect(await page.getByTestId("ablate-head-0.1").getAttribute("aria-pressed")).toBe("true");
    expect(await page.getByTestId("ablation-mode-mean").isChecked()).toBe(true);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="ablation-result"]')?.getAttribute("data-heads") === "0.1",
      null,
      { timeout: 60_000 },
    );
    await expect.poll(() => selectedHead(page, '[data-testid="ablation-result"]')).toBe("Head 1.2");
    // The page opened at the ablation panel.
    expect(
      await page.locator("#ablation").evaluate((el) => Math.abs(el.getBoundingClientRect().top) < window.innerHeight),
    ).toBe(true);
    // The lists follow the threshold from the URL (everything above 0.25, a superset of what 0.4 names).
    const listed = await headsOf(page, "detector-first");

    // Change the view; the address follows, and opening it elsewhere shows the same.
    await setInputValue(page, "threshold", 0.6);
    await page
      .locator("#detectors")
      .getByRole("button", { name: /^Head 0\.3:/ })
      .first()
      .click();
    await page.getByTestId("ablate-head-1.0").click();
    await expect.poll(() => new URL(page.url()).searchParams.get("ablate")).toBe("0.1,1.0");
    const url = new URL(page.url());
    expect(url.searchParams.get("threshold")).toBe("0.6");
    expect(url.searchParams.get("head")).toBe("0.3");
    expect(url.searchParams.get("text")).toBe(text);
    const first06 = await headsOf(page, "detector-first");
    for (const h of first06) expect(listed).toContain(h);

    const o2 = await openPage(demo);
    await o2.page.goto(page.url());
    await waitForReady(o2.page);
    expect(await o2.page.getByTestId("threshold").inputValue()).toBe("0.6");
    expect(await headsOf(o2.page, "detector-first")).toEqual(first06);
    await expect.poll(() => selectedHead(o2.page, "#patterns")).toBe("Head 0.3");
    expect(await o2.page.getByTestId("ablate-head-1.0").getAttribute("aria-pressed")).toBe("true");
    expect(o.errors).toEqual([]);
    expect(o2.errors).toEqual([]);
    await o.context.close();
    await o2.context.close();
  });

  for (const colorScheme of ["light", "dark"] as const) {
    for (const width of [1400, 390]) {
      it(`every panel at ${width} px, ${colorScheme}${width === 390 ? ", with no sideways scroll" : ""}`, async () => {
        const o = await openPage(demo, { width, height: width === 390 ? 844 : 1000, colorScheme });
        const { page } = o;
        const dir = path.join(shots, "demo");
        mkdirSync(dir, { recursive: true });
        await page.goto(demo.baseUrl);
        await waitForReady(page);
        // Fill every panel: an ablation of the previous-token head, a painted custom detector.
        const prev = (await headsOf(page, "detector-previous")).find((h) => h.startsWith("0."));
        if (prev) await page.getByTestId(`ablate-head-${prev}`).click();
        await page.getByTestId("ablation-result").waitFor({ timeout: 60_000 });
        await page.getByTestId("ablation-scores").locator('[role="grid"]').first().waitFor({ timeout: 60_000 });
        await page.getByTestId("custom-template").selectOption("painted");
        await page.locator("#circuit").scrollIntoViewIfNeeded();
        await page.getByTestId("decomposed-std").waitFor({ timeout: 90_000 });
        await page.waitForTimeout(300);
        if (width === 390) {
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
          // One row of thumbnails per layer still fits.
          const tops = await page
            .getByTestId("patterns")
            .locator('[role="option"][aria-label^="Head 0."]')
            .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
          expect(new Set(tops).size).toBe(1);
        }
        for (const id of PANELS) {
          const panel = page.locator(`#${id}, [data-testid="${id}"]`).first();
          await panel.scrollIntoViewIfNeeded();
          // The kit paints canvases that come into view from a queue: give it time, or a shot catches a
          // canvas still stretched from its previous size.
          await page.waitForTimeout(1500);
          await panel.screenshot({ path: path.join(dir, `${id}-${width}-${colorScheme}.png`), timeout: 90_000 });
        }
        await page.screenshot({ path: path.join(dir, `page-${width}-${colorScheme}.png`), fullPage: true });
        expect(o.errors).toEqual([]);
        expect(o.outside).toEqual([]);
        await o.context.close();
      });
    }
  }

  it("`npm run serve` honours PORT", async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === "object" && a ? a.port : 0));
      });
    });
    const child = spawn("npm", ["run", "serve", "--", "--host", "127.0.0.1"], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: "ignore",
      detached: true,
    });
    try {
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        ok = await fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ok) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ok).toBe(true);
    } finally {
      process.kill(-child.pid!, "SIGTERM");
    }
  });
});
