/**
 * End to end: build the demo (unless dist/ is there), serve it with `vite preview`, drive Debian's Chromium
 * and check what a visitor sees. Screenshots go to $ATTNSCOPE_SHOTS (default /tmp/attnscope-shots).
 */
import path from "node:path";
import type { BrowserContext, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTokenCount, haveChromium, isLocal, shots, startDemo, type Demo } from "./harness.js";

describe.skipIf(!haveChromium)("demo in Chromium", () => {
  let demo: Demo;
  let context: BrowserContext;
  let page: Page;
  let baseUrl: string;
  /** Every request that tried to leave localhost (all are aborted). */
  const outside: string[] = [];
  /** While set, requests leaving localhost are held here instead of aborted (a download that never ends). */
  let held: Route[] | null = null;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    demo = await startDemo();
    baseUrl = demo.baseUrl;
    context = await demo.browser.newContext({ viewport: { width: 1280, height: 1000 }, colorScheme: "light" });
    // Nothing may leave the machine: record and abort anything that is not the preview server.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      outside.push(url);
      if (held) {
        held.push(route);
        return;
      }
      return route.abort("internetdisconnected");
    });
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await demo?.close();
  });

  it("loads the embedded model offline and names heads on the seed paragraph", async () => {
    await page.goto(baseUrl);
    await page.getByTestId("model-name").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("model-name").textContent()).toBe("embedded default model");
    await page.getByTestId("detected-heads").waitFor({ timeout: 60_000 });
    await page.getByTestId("induction-result").waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(shots, "demo-loaded.png"), fullPage: true });
    const seedTokens = Number(await page.getByTestId("token-count").getAttribute("data-count"));
    // Subword tokens of the model's own tokenizer, plus BOS.
    const seed = await page.getByTestId("text-input").inputValue();
    expect(seed.startsWith("We think that powerful")).toBe(true);
    expect(seedTokens).toBe(defaultTokenCount(seed));
    expect(seedTokens).toBeLessThan(seed.length / 3);
    // The embedded model has a previous-token head on this text, and at most a third of its heads rest on BOS.
    const prev = await page.getByTestId("detector-previous").locator("[data-head]").allTextContents();
    const first = await page.getByTestId("detector-first").locator("[data-head]").allTextContents();
    expect(prev.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(16 / 3);
    for (const h of [...prev, ...first]) expect(h).toMatch(/^\d+\.\d+$/);
    // It predicts English better than chance (ln 6,144 ≈ 8.72 nats over its vocabulary), if not by much: most of
    // its training rows were repeats and characters.
    expect(await page.getByTestId("surprise").locator("[data-token-index]").count()).toBe(seedTokens);
    expect(Number(await page.getByTestId("mean-loss").textContent())).toBeLessThan(Math.log(6144) - 0.5);
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("finds induction heads on repeated random tokens", async () => {
    await page.getByTestId("induction-panel").screenshot({ path: path.join(shots, "demo-induction.png") });
    const first = Number(await page.getByTestId("loss-first").textContent());
    const second = Number(await page.getByTestId("loss-second").textContent());
    // Random tokens are unpredictable (about ln 256 nats for bytes); the repeat is predictable by copying.
    expect(first).toBeGreaterThan(3);
    expect(second).toBeLessThan(first / 2);
    const heads = await page.getByTestId("detector-induction").locator("[data-head]").allTextContents();
    expect(heads.length).toBeGreaterThan(0);
    // An induction head needs a previous-token head before it: it cannot be in layer 0.
    for (const h of heads) expect(h).toMatch(/^[1-9]\d*\.\d+$/);
  });

  it("clicking a head in a detector grid shows that head's pattern", async () => {
    const selected = () =>
      page
        .getByTestId("patterns")
        .locator('[role="option"][aria-selected="true"][aria-label^="Head "]')
        .getAttribute("aria-label");
    expect(await selected()).toBe("Head 0.0");
    await page
      .locator("#detectors")
      .getByRole("button", { name: /^Head 1\.3:/ })
      .last()
      .click();
    await expect.poll(selected, { timeout: 10_000 }).toBe("Head 1.3");
  });

  it("updates the token count and patterns as you type", async () => {
    const before = Number(await page.getByTestId("token-count").getAttribute("data-count"));
    const box = page.getByTestId("text-input");
    await box.focus();
    await box.press("Control+End");
    const added = " Induction heads copy.";
    await box.pressSequentially(added, { delay: 15 });
    await page.waitForFunction(
      ([id, n]) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute("data-count")) === n,
      ["token-count", defaultTokenCount(await box.inputValue())] as const,
      { timeout: 30_000 },
    );
    // The token strip shows the new tokens.
    const strip = page.getByTestId("patterns").locator("[data-token-index]");
    expect(await strip.count()).toBeGreaterThan(before);
    expect(await strip.count()).toBe(defaultTokenCount(await box.inputValue()));
    expect(await strip.last().textContent()).toBe(".");
    await page.screenshot({ path: path.join(shots, "demo-typed.png"), fullPage: true });
  });

  it("hovering a token shows where it attends", async () => {
    const strip = page.getByTestId("patterns").locator("[data-token-index]");
    const n = await strip.count();
    const backgrounds = () => strip.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    const isClear = (c: string) => c === "rgba(0, 0, 0, 0)" || c === "transparent";
    // Before hover the strip reads as plain text: every other token carries the faint boundary shade, the rest none.
    const before = await backgrounds();
    const shade = before[1]!;
    expect(isClear(shade)).toBe(false);
    expect(before.every((c, i) => (i % 2 === 1 ? c === shade : isClear(c)))).toBe(true);
    const target = strip.nth(n - 5);
    // Scroll first: a screenshot that scrolls would move the token out from under the pointer.
    await target.evaluate((el) => el.scrollIntoView({ block: "center" }));
    await target.hover();
    const after = await backgrounds();
    // The hovered query attends to itself or earlier tokens only (causal): some are coloured, none after it.
    const coloured = after.map((c, i) => (!isClear(c) && c !== shade ? i : -1)).filter((i) => i >= 0);
    expect(coloured.length).toBeGreaterThan(0);
    expect(Math.max(...coloured)).toBeLessThanOrEqual(n - 5);
    expect(await target.getAttribute("aria-selected")).toBe("true");
    await page.screenshot({ path: path.join(shots, "demo-hover.png") });
  });

  it("trains a tiny model live: progress streams in, stop holds it, resume continues", async () => {
    const panel = page.getByTestId("training-panel");
    await panel.scrollIntoViewIfNeeded();
    // The embedded model's own training log is plotted with its phase change marked.
    expect(await page.getByTestId("recorded-score-chart-band").count()).toBe(1);
    expect(await page.getByTestId("recorded-training").textContent()).toMatch(
      /Induction head 1\.\d+ formed between steps \d+ and \d+/,
    );
    const step = async () => Number((await page.getByTestId("train-step").textContent()) ?? "0");
    await page.getByTestId("train-start").click();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="train-step"]')?.textContent) >= 30,
      null,
      { timeout: 120_000 },
    );
    await page.getByTestId("train-stop").click();
    await page.getByTestId("train-resume").waitFor({ state: "visible" });
    await page.waitForFunction(
      () => !(document.querySelector('[data-testid="train-resume"]') as HTMLButtonElement).disabled,
      null,
      { timeout: 30_000 },
    );
    const stoppedAt = await step();
    expect(await page.getByTestId("train-status").textContent()).toContain("stopped");
    await page.waitForTimeout(500);
    expect(await step()).toBe(stoppedAt);
    // The charts have a loss line and score lines with points.
    const pathLengths = await panel
      .locator("svg path")
      .evaluateAll((ps) => ps.map((p) => (p.getAttribute("d") ?? "").length));
    expect(pathLengths.filter((n) => n > 20).length).toBeGreaterThanOrEqual(3);
    await page.getByTestId("train-resume").click();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="train-step"]')?.textContent) > n + 5,
      stoppedAt,
      { timeout: 60_000 },
    );
    await page.getByTestId("train-stop").click();
    await panel.screenshot({ path: path.join(shots, "demo-training.png") });
    expect(pageErrors).toEqual([]);
  });

  // About one to two minutes of training on two cores: opt in with ATTNSCOPE_DEMO_FULL_TRAINING=1.
  it.runIf(!!process.env.ATTNSCOPE_DEMO_FULL_TRAINING)(
    "watches induction heads form: the phase change is found and marked",
    async () => {
      if (page.url() === "about:blank") await page.goto(baseUrl); // when run on its own (vitest -t)
      await page.getByTestId("train-start").click();
      await page.getByTestId("train-phase").waitFor({ timeout: 600_000 });
      await page.waitForFunction(
        () => document.querySelector('[data-testid="train-status"]')?.textContent?.startsWith("done"),
        null,
        { timeout: 600_000 },
      );
      const text = (await page.getByTestId("train-last").textContent()) ?? "";
      // "Induction head L.H formed between steps A and B: the best induction score rose from x to y while the loss on the repeat fell from u to v."
      const num = String.raw`(\d+(?:\.\d+)?)`;
      const m = text.match(
        new RegExp(
          String.raw`Induction head (\d+)\.(\d+) formed between steps (\d+) and (\d+): the best induction score rose from ${num} to ${num} while the loss on the repeat fell from ${num} to ${num}`,
        ),
      );
      expect(m, text).not.toBeNull();
      const [, layer, , from, to, s0, s1, l0, l1] = m!.map(Number);
      expect(layer).toBe(1); // induction needs a previous-token head in an earlier layer
      expect(to).toBeGreaterThan(from);
      expect(s1).toBeGreaterThan(0.4);
      expect(s0).toBeLessThan(0.4);
      expect(l1).toBeLessThan(l0 / 2);
      await expect.poll(() => page.getByTestId("train-score-chart-band").count()).toBe(1);
      await page.getByTestId("training-panel").screenshot({ path: path.join(shots, "demo-training-phase-change.png") });
    },
  );

  it("keeps the current model answering while another downloads, and Cancel stops the download", async () => {
    outside.length = 0;
    held = [];
    try {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.getByTestId("model-select").selectOption("attn-only-2l-half");
      await page.getByTestId("model-cancel").waitFor({ timeout: 30_000 });
      await expect.poll(() => held!.length, { timeout: 30_000 }).toBeGreaterThan(0);
      // Typing still runs on the embedded model while the download hangs.
      const before = Number(await page.getByTestId("token-count").getAttribute("data-count"));
      const box = page.getByTestId("text-input");
      await box.focus();
      await box.press("Control+End");
      await box.pressSequentially(" Yes.", { delay: 15 });
      const after = defaultTokenCount(await box.inputValue());
      expect(after).toBeGreaterThan(before);
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-testid="token-count"]')?.getAttribute("data-count")) === n,
        after,
        { timeout: 30_000 },
      );
      await page.getByTestId("model-cancel").click();
      await page.getByTestId("model-name").waitFor();
      expect(await page.getByTestId("model-name").textContent()).toBe("embedded default model");
      expect(await page.getByTestId("model-error").count()).toBe(0);
      expect(await page.getByTestId("model-select").inputValue()).toBe("default");
    } finally {
      for (const r of held ?? []) await r.abort("internetdisconnected").catch(() => {});
      held = null;
    }
  });

  it("shows a clear error when the Hugging Face model cannot be downloaded, and keeps working", async () => {
    outside.length = 0;
    await page.getByTestId("model-select").selectOption("attn-only-2l-half");
    const err = page.getByTestId("model-error");
    await err.waitFor({ timeout: 60_000 });
    const text = (await err.textContent()) ?? "";
    expect(text).toContain("attn-only-2l-half");
    expect(text).toMatch(/huggingface\.co/);
    expect(text).toContain("Still running the embedded default model");
    // The only request that tried to leave was the download, and the test aborted it.
    expect(outside.length).toBeGreaterThan(0);
    for (const u of outside) expect(u).toMatch(/^https:\/\/huggingface\.co\//);
    expect(await page.getByTestId("model-name").textContent()).toBe("embedded default model");
    await page.getByTestId("model-panel").screenshot({ path: path.join(shots, "demo-hf-error.png") });
  });

  it("follows the system's dark theme", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.evaluate(() => window.scrollTo(0, 0));
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    // Dark background: every channel low.
    const [r, g, b] = bg.match(/\d+/g)!.map(Number);
    expect(Math.max(r, g, b)).toBeLessThan(60);
    await page.screenshot({ path: path.join(shots, "demo-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
  });
});
