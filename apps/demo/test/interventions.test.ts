/**
 * End to end, the controls and interventions: the threshold slider, a custom detector, ablations, the
 * induction settings, selecting a head everywhere, Escape. No head of the default model is named here: the
 * tests read which heads the page's detectors name and check relations between them.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { haveChromium, headsOf, openDemoForSuite, setInputValue, shots, type OpenedPage } from "./harness.js";

const num = async (p: OpenedPage["page"], id: string) => Number(await p.getByTestId(id).textContent());

describe.skipIf(!haveChromium)("demo controls and ablations in Chromium", () => {
  const s = openDemoForSuite();

  it("the threshold slider moves every list and the outlines", async () => {
    const { page } = s.o;
    expect(await page.getByTestId("threshold").inputValue()).toBe("0.4");
    const at = async () => ({
      previous: await headsOf(page, "detector-previous"),
      current: await headsOf(page, "detector-current"),
      first: await headsOf(page, "detector-first"),
      induction: await headsOf(page, "detector-induction"),
      outlined: await page.locator("#detectors [data-above-threshold]").count(),
    });
    const mid = await at();
    await setInputValue(page, "threshold", 0.05);
    await expect.poll(async () => (await at()).outlined).toBeGreaterThan(mid.outlined);
    const low = await at();
    await setInputValue(page, "threshold", 0.99);
    await expect.poll(async () => (await at()).outlined).toBeLessThan(mid.outlined);
    const high = await at();
    for (const k of ["previous", "current", "first", "induction"] as const) {
      // A lower threshold names a superset; a higher one a subset.
      for (const h of mid[k]) expect(low[k]).toContain(h);
      for (const h of high[k]) expect(mid[k]).toContain(h);
    }
    expect(low.previous.length + low.first.length + low.current.length).toBeGreaterThan(
      mid.previous.length + mid.first.length + mid.current.length,
    );
    expect(high.previous.length + high.first.length + high.current.length).toBeLessThan(
      mid.previous.length + mid.first.length + mid.current.length,
    );
    // The outlines agree with the lists.
    expect(high.outlined).toBe(high.previous.length + high.current.length + high.first.length);
    await setInputValue(page, "threshold", 0.4);
    await expect.poll(() => headsOf(page, "detector-previous")).toEqual(mid.previous);
  });

  it("a custom detector (diagonal one token back) finds the previous-token heads; a painted one scores too", async () => {
    const { page } = s.o;
    const previous = await headsOf(page, "detector-previous");
    expect(previous.length).toBeGreaterThan(0);
    await page.getByTestId("custom-template").selectOption("diagonal");
    await setInputValue(page, "custom-offset", 1);
    await expect.poll(() => headsOf(page, "detector-custom")).toEqual(previous);
    // Offset 0 is the current-token detector.
    await setInputValue(page, "custom-offset", 0);
    await expect.poll(() => headsOf(page, "detector-custom")).toEqual(await headsOf(page, "detector-current"));
    // Column 0 is the first-token detector.
    await page.getByTestId("custom-template").selectOption("column");
    await expect.poll(() => headsOf(page, "detector-custom")).toEqual(await headsOf(page, "detector-first"));
    // Painting only the first key column: at least the heads that attend to BOS.
    await page.getByTestId("custom-template").selectOption("painted");
    const paint = page.getByTestId("custom-paint");
    for (let q = 0; q < 6; q++) {
      const c = paint.locator(`[data-cell="${q},0"]`);
      if ((await c.getAttribute("aria-pressed")) !== "true") await c.click();
      if (q > 0 && (await paint.locator(`[data-cell="${q},${q}"]`).getAttribute("aria-pressed")) === "true")
        await paint.locator(`[data-cell="${q},${q}"]`).click();
    }
    const painted = await headsOf(page, "detector-custom");
    for (const h of await headsOf(page, "detector-first")) expect(painted).toContain(h);
    await page.getByTestId("custom-panel").screenshot({ path: path.join(shots, "demo-custom.png") });
  });

  it("ablating the previous-token heads raises the loss on the repeat and lowers the induction scores", async () => {
    const { page } = s.o;
    const prevL0 = (await headsOf(page, "detector-previous")).filter((h) => h.startsWith("0."));
    expect(prevL0.length).toBeGreaterThan(0);
    const induction = await headsOf(page, "detector-induction");
    expect(induction.length).toBeGreaterThan(0);
    for (const h of prevL0) await page.getByTestId(`ablate-head-${h}`).click();
    for (const h of prevL0)
      expect(await page.getByTestId(`ablate-head-${h}`).getAttribute("aria-pressed")).toBe("true");
    await page.waitForFunction(
      (heads) => document.querySelector('[data-testid="ablation-result"]')?.getAttribute("data-heads") === heads,
      prevL0.join(" "),
      { timeout: 60_000 },
    );
    const clean = await num(page, "clean-loss");
    const ablated = await num(page, "ablated-loss");
    expect(clean).toBeGreaterThan(0);
    expect(ablated).not.toBe(clean);
    // The clean side is the live run: same loss as the surprise view.
    expect(clean).toBeCloseTo(Number(await page.getByTestId("mean-loss").textContent()), 1);
    expect(await num(page, "clean-loss-second")).toBeCloseTo(
      Number(await page.getByTestId("loss-second").textContent()),
      1,
    );
    // Without the previous-token head, the induction head cannot find where to copy from.
    expect(await num(page, "ablated-loss-second")).toBeGreaterThan(await num(page, "clean-loss-second"));
    expect(await num(page, "ablated-induction-score")).toBeLessThan(await num(page, "clean-induction-score"));
    // First-half loss (random tokens) depends on induction far less than the second half's.
    const firstChange = Math.abs((await num(page, "ablated-loss-first")) - (await num(page, "clean-loss-first")));
    const secondChange = (await num(page, "ablated-loss-second")) - (await num(page, "clean-loss-second"));
    expect(firstChange).toBeLessThan(secondChange / 2);
    // The ablated head's own previous-token score is gone (zero values, but its pattern is unchanged in layer 0).
    expect(await page.getByTestId("ablated-detector-previous").textContent()).toBe(
      await page.getByTestId("clean-detector-previous").textContent(),
    );
    await page.getByTestId("ablation-scores").locator('[role="grid"]').first().waitFor({ timeout: 60_000 });
    await page.getByTestId("ablation-panel").screenshot({ path: path.join(shots, "demo-ablation.png") });

    // Mean ablation also removes what the head contributes per position.
    await page.getByTestId("ablation-mode-mean").check();
    await page.waitForFunction(() => document.querySelector('[data-testid="ablation-result"]') !== null, null, {
      timeout: 60_000,
    });
    await expect
      .poll(async () => (await num(page, "ablated-loss-second")) > (await num(page, "clean-loss-second")), {
        timeout: 60_000,
      })
      .toBe(true);
    await page.getByTestId("ablation-mode-zero").check();
  });

  it("clicking a head anywhere selects it everywhere; Escape unlocks the token and keeps the head", async () => {
    const { page } = s.o;
    const selected = (id: string) =>
      page
        .locator(id)
        .locator('[role="option"][aria-selected="true"][aria-label^="Head "]')
        .first()
        .getAttribute("aria-label");
    const induction = (await headsOf(page, "detector-induction"))[0];
    await page.getByTestId("detector-induction").locator(`[data-head="${induction}"]`).click();
    await expect.poll(() => selected("#patterns")).toBe(`Head ${induction}`);
    await expect.poll(() => selected('[data-testid="induction-result"]')).toBe(`Head ${induction}`);
    // A thumbnail in the induction view selects in the live view too.
    await page.getByTestId("induction-result").locator('[role="option"][aria-label="Head 0.1"]').click();
    await expect.poll(() => selected("#patterns")).toBe("Head 0.1");
    // Every score grid marks it too.
    const marked = await page
      .locator('#detectors [role="gridcell"][aria-selected="true"] button')
      .evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-label")?.split(":")[0]));
    expect(marked).toEqual(["Head 0.1", "Head 0.1", "Head 0.1"]);
    // Lock a token, then Escape: the token unlocks, the head stays.
    const strip = page.getByTestId("patterns").locator("[data-token-index]");
    await strip.nth(5).click();
    expect(await strip.nth(5).getAttribute("aria-selected")).toBe("true");
    // Move the pointer off the strip first: a hovered token is previewed (shown as selected) even unlocked.
    await page.mouse.move(5, 5);
    expect(await strip.nth(5).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Escape");
    await expect.poll(() => selected("#patterns")).toBe("Head 0.1");
    await expect.poll(() => strip.nth(5).getAttribute("aria-selected")).not.toBe("true");
  });

  it("the induction settings run a new batch", async () => {
    const { page } = s.o;
    await setInputValue(page, "induction-seqLen", 30);
    await setInputValue(page, "induction-batch", 4);
    await setInputValue(page, "induction-seed", 7);
    await page.getByTestId("induction-run").click();
    await expect
      .poll(() => page.getByTestId("induction-result").textContent(), { timeout: 60_000 })
      .toContain("4 sequences × (BOS + 30 + 30) tokens");
    expect(await num(page, "loss-second")).toBeLessThan(await num(page, "loss-first"));
    await setInputValue(page, "induction-seqLen", 100000);
    await page.getByTestId("induction-run").click();
    await expect
      .poll(() => page.getByTestId("induction-error").textContent(), { timeout: 30_000 })
      .toMatch(/seq_len must be a whole number from 2 to \d+/);
    expect(s.o.errors).toEqual([]);
    expect(s.o.outside).toEqual([]);
  });
});
