/**
 * End to end, the Circuit panel on the embedded model: the pair it names is the one the page's own
 * detectors imply (a previous-token head of an earlier layer, an induction head of a later one), its
 * K-composition beats the random baseline, and the views for the text and the induction head are drawn.
 * No head of the default model is named here.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { haveChromium, headsOf, openDemoForSuite, shots } from "./harness.js";

describe.skipIf(!haveChromium)("demo circuit panel in Chromium", () => {
  const s = openDemoForSuite();

  it("names the previous-token → induction pair the detectors imply", async () => {
    const { page } = s.o;
    await page.locator("#circuit").scrollIntoViewIfNeeded();
    const top = page.getByTestId("circuit-top");
    await top.waitFor({ timeout: 90_000 });
    const m = /^(\d+)\.(\d+) -> (\d+)\.(\d+)$/.exec((await top.textContent()) ?? "");
    expect(m, (await top.textContent()) ?? "").not.toBeNull();
    const [prev, ind] = [`${m![1]}.${m![2]}`, `${m![3]}.${m![4]}`];
    expect(Number(m![1])).toBeLessThan(Number(m![3]));
    // The induction head is one the induction experiment names; the previous-token head one the repeated tokens
    // show as such, and (on natural text) the previous-token detector lists.
    expect(await headsOf(page, "detector-induction")).toContain(ind);
    expect(await headsOf(page, "detector-previous")).toContain(prev);
    // The table's first row is that pair, marked as a circuit, with K-composition above the baseline.
    const firstRow = page.getByTestId("circuit-table").locator("tbody tr").first();
    const cells = await firstRow.locator("td").allTextContents();
    expect(cells[0]).toBe(prev);
    expect(cells[2]).toBe(ind);
    expect(cells[5]).toBe("circuit");
    expect(Number(/\(([\d.]+) × baseline\)/.exec(cells[4])![1])).toBeGreaterThan(1);
    // Ablating the previous-token head of that pair raises the loss on the repeat (ARENA's check of the circuit).
    await page.getByTestId(`ablate-head-${prev}`).click();
    await page.waitForFunction(
      (h) => document.querySelector('[data-testid="ablation-result"]')?.getAttribute("data-heads") === h,
      prev,
      { timeout: 60_000 },
    );
    expect(Number(await page.getByTestId("ablated-loss-second").textContent())).toBeGreaterThan(
      Number(await page.getByTestId("clean-loss-second").textContent()),
    );
    await page.getByTestId(`ablate-head-${prev}`).click();
  });

  it("draws composition, copying and positional scores, logit attribution and the decomposed scores of the induction head", async () => {
    const { page } = s.o;
    const panel = page.getByTestId("circuit-panel");
    await page.getByTestId("decomposed-std").waitFor({ timeout: 90_000 });
    const ind = ((await page.getByTestId("circuit-top").textContent()) ?? "").split(" -> ")[1];
    expect(await page.getByTestId("decomposed-head").textContent()).toContain(`head ${ind}`);
    expect(await page.getByTestId("composition-scores").locator("canvas, button, [role=grid]").count()).toBeGreaterThan(
      0,
    );
    expect(await page.getByTestId("logit-attribution").locator("canvas").count()).toBeGreaterThan(0);
    // Every head has an OV copying score and a positional score.
    const nHeads = await page.getByTestId("patterns").locator('[role="option"][aria-label^="Head "]').count();
    expect(await panel.getByRole("button", { name: /^Head \d+\.\d+: copying score/ }).count()).toBe(nHeads);
    expect(await panel.getByRole("button", { name: /^Head \d+\.\d+: positional previous-token score/ }).count()).toBe(
      nHeads,
    );
    // Selecting another head of a later layer decomposes that one.
    const other = (await headsOf(page, "detector-induction")).find((h) => h !== ind);
    if (other) {
      await page.getByTestId("detector-induction").locator(`[data-head="${other}"]`).click();
      await expect
        .poll(() => page.getByTestId("decomposed-head").textContent(), { timeout: 60_000 })
        .toContain(`head ${other}`);
    }
    await panel.screenshot({ path: path.join(shots, "demo-circuit.png") });
    expect(s.o.errors).toEqual([]);
    expect(s.o.outside).toEqual([]);
  });
});
