/**
 * End to end, models from elsewhere: a checkpoint opened from disk (the shared TransformerLens fixture, with
 * its config and GPT-NeoX tokenizer) gives TransformerLens's detector results; a corrupt one is refused in
 * words while the previous model keeps running; the tiny model trained on the page opens in every view.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { haveChromium, headsOf, openDemoForSuite, root, shots, type OpenedPage } from "./harness.js";

const shared = path.resolve(root, "../../../shared");
const fixture = path.join(shared, "fixtures/tl-attn2l-tiny");
const tokenizer = path.join(shared, "tokenizers/gpt-neox-20b.json");
const haveFixture = existsSync(path.join(fixture, "goldens.json")) && existsSync(tokenizer);

const tokenCount = async (page: OpenedPage["page"]) =>
  Number(await page.getByTestId("token-count").getAttribute("data-count"));

describe.skipIf(!haveChromium || !haveFixture)("demo with local checkpoints in Chromium", () => {
  const s = openDemoForSuite();
  const goldens = haveFixture ? JSON.parse(readFileSync(path.join(fixture, "goldens.json"), "utf8")) : null;

  it("opens a checkpoint picked from disk and finds TransformerLens's heads on the seed paragraph", async () => {
    const { page } = s.o;
    await page
      .getByTestId("checkpoint-input")
      .setInputFiles([path.join(fixture, "config.json"), path.join(fixture, "model.safetensors"), tokenizer]);
    await expect
      .poll(() => page.getByTestId("model-name").textContent(), { timeout: 60_000 })
      .toContain("model.safetensors");
    expect(await page.getByTestId("model-status").textContent()).toContain("2 layers × 4 heads");
    const seed = goldens.inputs.find((i: { name: string }) => i.name === "seed_text");
    expect(await page.getByTestId("text-input").inputValue()).toBe(seed.text);
    await expect.poll(() => tokenCount(page), { timeout: 60_000 }).toBe(seed.n_tokens);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="run-status"]')?.getAttribute("data-state") === "ready",
    );
    expect(await headsOf(page, "detector-previous")).toEqual(seed.heads.previous_token);
    expect(await headsOf(page, "detector-current")).toEqual(seed.heads.current_token);
    expect(await headsOf(page, "detector-first")).toEqual(seed.heads.first_token);
    expect(await page.getByTestId("patterns").locator('[role="option"][aria-label^="Head "]').count()).toBe(8);
    await page.getByTestId("model-panel").screenshot({ path: path.join(shots, "demo-local-checkpoint.png") });
  });

  it("a corrupt checkpoint dropped on the page is refused in words, and the previous model keeps working", async () => {
    const { page } = s.o;
    const before = await page.getByTestId("model-name").textContent();
    const config = readFileSync(path.join(fixture, "config.json"), "utf8");
    const dt = await page.evaluateHandle((cfg) => {
      const d = new DataTransfer();
      d.items.add(new File([cfg], "config.json", { type: "application/json" }));
      d.items.add(new File([new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 123, 34, 120, 34, 58])], "broken.safetensors"));
      return d;
    }, config);
    await page.getByTestId("checkpoint-drop").dispatchEvent("drop", { dataTransfer: dt });
    const err = page.getByTestId("model-error");
    await err.waitFor({ timeout: 60_000 });
    const text = (await err.textContent()) ?? "";
    expect(text).toContain("broken.safetensors");
    expect(text).toContain(`Still running the ${before}`);
    expect(await page.getByTestId("model-name").textContent()).toBe(before);
    // The old model still answers.
    const n = await tokenCount(page);
    const box = page.getByTestId("text-input");
    await box.focus();
    await box.press("Control+End");
    await box.pressSequentially(" Yes", { delay: 20 });
    await expect.poll(() => tokenCount(page), { timeout: 30_000 }).toBeGreaterThan(n);
    await page.getByTestId("model-panel").screenshot({ path: path.join(shots, "demo-corrupt-checkpoint.png") });
  });

  it("weights alone ask for their config; a known config that does not fit is refused by shape", async () => {
    const { page } = s.o;
    const dropWeights = async () => {
      const dt = await page.evaluateHandle(() => {
        const d = new DataTransfer();
        d.items.add(new File([new Uint8Array(16)], "model.pth"));
        return d;
      });
      await page.getByTestId("checkpoint-drop").dispatchEvent("drop", { dataTransfer: dt });
    };
    await dropWeights();
    await expect
      .poll(() => page.getByTestId("checkpoint-problem").textContent())
      .toContain("model.pth needs its config");
    // With the attn-only-2l-half config, the tiny fixture's real weights do not fit: the error names a tensor and its shapes.
    await page.getByTestId("checkpoint-config").selectOption("attn-only-2l-half");
    await page.getByTestId("checkpoint-input").setInputFiles([path.join(fixture, "model.pth")]);
    const err = page.getByTestId("model-error");
    await expect.poll(() => err.textContent(), { timeout: 60_000 }).toMatch(/model\.pth/);
    expect(await err.textContent()).toMatch(/shape|\[/);
    expect(await page.getByTestId("model-name").textContent()).toContain("model.safetensors");
    await page.getByTestId("checkpoint-config").selectOption("");
  });

  it("the tiny model trained on the page opens in every view with one click", async () => {
    const { page } = s.o;
    await page.getByTestId("train-start").click();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="train-step"]')?.textContent) >= 20,
      null,
      { timeout: 120_000 },
    );
    await page.getByTestId("train-stop").click();
    await page.waitForFunction(
      () => !(document.querySelector('[data-testid="train-resume"]') as HTMLButtonElement).disabled,
      null,
      { timeout: 30_000 },
    );
    await page.getByTestId("train-open").click();
    await expect
      .poll(() => page.getByTestId("model-name").textContent(), { timeout: 60_000 })
      .toMatch(/^tiny model trained here \(step \d+\)$/);
    // Its context is 64 tokens: the text was swapped for one that fits, and every view runs on it.
    await expect.poll(() => page.getByTestId("notice").textContent()).toContain("reads at most 64 tokens");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="run-status"]')?.getAttribute("data-state") === "ready",
      null,
      { timeout: 60_000 },
    );
    expect(await tokenCount(page)).toBeLessThanOrEqual(64);
    expect(await page.getByTestId("patterns").locator('[role="option"][aria-label^="Head "]').count()).toBe(8);
    await expect
      .poll(() => page.getByTestId("induction-result").textContent(), { timeout: 60_000 })
      .toContain("(BOS + 31 + 31) tokens");
    expect(s.o.errors).toEqual([]);
    expect(s.o.outside).toEqual([]);
  });
});
