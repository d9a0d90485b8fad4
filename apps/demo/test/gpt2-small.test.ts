/**
 * GPT-2 small in the page, from a local stand-in for the Hub: a random model of the real config in Hugging
 * Face's format (config.json with model_type gpt2, model.safetensors with `h.0.attn.c_attn.weight` etc., float16,
 * 274 MB, written once under $TMPDIR/attnscope-demo-hub) and GPT-2's tokenizer from the shared test data. The
 * page shows the download's progress, fetches nothing but the stand-in, draws all 144 heads and every detector,
 * and on the next visit reads the files from the browser's cache without a request. Random weights have no
 * induction heads (ARENA's 5.1 5.5 6.9 7.2 7.10 are the real weights'): no test names a head. Timings go to
 * $ATTNSCOPE_SHOTS/demo/gpt2-small.json. Needs ../shared/tokenizers/gpt2.json next to the repository.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_TEXT } from "../src/seed.js";
import { fakeHubFiles, recordStatus, routeToHub, startLocalHub, type LocalHub } from "./full-size-model.js";
import { CHROMIUM, haveChromium, isLocal, root, shots, startDemo, type Demo } from "./harness.js";

const tokenizerJson = path.resolve(root, "..", "..", "..", "shared", "tokenizers", "gpt2.json");
const haveTokenizer = existsSync(tokenizerJson);
if (haveChromium && !haveTokenizer) console.warn(`GPT-2 small demo test skipped: ${tokenizerJson} is missing`);

/** The seed paragraph's length under GPT-2's tokenizer (the library itself, not the page), plus BOS. */
function seedTokenCount(): number {
  const tok = new Tokenizer(JSON.parse(readFileSync(tokenizerJson, "utf8")), {});
  return tok.encode(SEED_TEXT, { add_special_tokens: false }).ids.length + 1;
}

describe.runIf(haveChromium && haveTokenizer)("GPT-2 small from a local stand-in for the Hub", () => {
  let demo: Demo;
  let context: BrowserContext;
  let hub: LocalHub;
  let outside: string[] = [];
  let profile: string | undefined;
  const timings: Record<string, number | string> = {};

  beforeAll(async () => {
    hub = await startLocalHub(
      fakeHubFiles("gpt2-small", tokenizerJson, path.join(process.env.TMPDIR ?? "/tmp", "attnscope-demo-hub")),
    );
    demo = await startDemo();
    // A profile on disk, as a visitor's browser has: an in-memory (incognito) one is given too little storage to
    // keep 274 MB in the Cache API.
    profile = mkdtempSync(path.join(tmpdir(), "attnscope-gpt2-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      viewport: { width: 1280, height: 1000 },
      colorScheme: "light",
    });
    outside = await routeToHub(context, hub, isLocal);
  }, 600_000);

  /** Written after each slow step too, so a run stopped early keeps what it measured. */
  function saveTimings(): void {
    mkdirSync(path.join(shots, "demo"), { recursive: true });
    writeFileSync(path.join(shots, "demo", "gpt2-small.json"), JSON.stringify(timings, null, 2));
  }

  afterAll(async () => {
    saveTimings();
    await context?.close();
    await demo?.close();
    await hub?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens the page, picks GPT-2 small, waits for its first patterns; returns the status texts and timings. */
  async function openAndPick(page: Page, label: string): Promise<string[]> {
    await page.goto(demo.baseUrl);
    await page.getByTestId("model-name").waitFor({ timeout: 60_000 });
    const log = await recordStatus(page);
    const t0 = Date.now();
    await page.getByTestId("model-select").selectOption("gpt2-small");
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="model-name"]')?.textContent === "gpt2-small" ||
        document.querySelector('[data-testid="model-error"]') !== null,
      null,
      { timeout: 300_000 },
    );
    expect(await page.getByTestId("model-error").count()).toBe(0);
    timings[`${label}LoadMs`] = Date.now() - t0;
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="patterns"] [aria-label="Head 11.11"]') !== null &&
        document.querySelector('[data-testid="run-status"]')?.getAttribute("data-state") === "ready",
      null,
      { timeout: 120_000 },
    );
    timings[`${label}FirstPatternsMs`] = Date.now() - t0;
    timings[`${label}WorkerRunMs`] = Number(await page.getByTestId("run-status").getAttribute("data-worker-ms"));
    return log();
  }

  it("downloads with progress, then draws all 144 heads and every detector", async () => {
    const page = await context.newPage();
    const picked = Date.now();
    const statuses = await openAndPick(page, "download");
    const status = (await page.getByTestId("model-status").textContent()) ?? "";
    timings.workerLoadMs = Number(/loaded in (\d+) ms/.exec(status)?.[1]);
    // Both files came from the stand-in, nothing else left the machine.
    expect(hub.served.filter((u) => u.endsWith("/model.safetensors"))).toHaveLength(1);
    expect(hub.served.filter((u) => u.endsWith("/tokenizer.json"))).toHaveLength(1);
    expect(outside).toEqual([]);
    // Progress named the weights file and counted bytes against its size (the stand-in's 274 MB of float16).
    expect(
      statuses.some((t) => /Downloading .*model\.safetensors: [\d.]+ (kB|MB) of 27\d\.\d MB \(\d+ %\)/.test(t)),
    ).toBe(true);
    expect(status).toContain("12 layers × 12 heads, d_model 768, vocabulary 50257");

    // The seed paragraph with GPT-2's BOS (50256) in front, and all 12 × 12 heads.
    expect(Number(await page.getByTestId("token-count").getAttribute("data-count"))).toBe(seedTokenCount());
    const thumbs = page.getByTestId("patterns").locator('[role="option"][aria-label^="Head "]');
    expect(await thumbs.count()).toBe(144);
    expect(await thumbs.first().getAttribute("aria-label")).toBe("Head 0.0");
    expect(await thumbs.last().getAttribute("aria-label")).toBe("Head 11.11");
    // Each detector gives its list (random weights may name no head) over a 12 × 12 score grid.
    for (const d of ["current", "previous", "first"]) {
      await expect(page.getByTestId(`detector-${d}`).count()).resolves.toBe(1);
    }
    // Weights of Hugging Face's initializer range give logits near zero: about ln(50257) = 10.8 nats a token.
    const meanLoss = Number(await page.getByTestId("mean-loss").textContent());
    expect(meanLoss).toBeGreaterThan(Math.log(50257) - 1);
    expect(meanLoss).toBeLessThan(Math.log(50257) + 2);
    // The first displayed token is GPT-2's BOS.
    expect(await page.getByTestId("surprise").textContent()).toContain("<|endoftext|>");
    await page.screenshot({ path: path.join(shots, "demo-gpt2-small.png"), fullPage: false });

    // The induction experiment scores all 144 heads on the repeated random tokens.
    await page
      .getByTestId("induction-result")
      .locator('[aria-label="Head 11.11"]')
      .first()
      .waitFor({ timeout: 180_000 });
    timings.inductionAfterSelectMs = Date.now() - picked;
    expect(await page.getByTestId("induction-panel").textContent()).toContain("5.1, 5.5, 6.9, 7.2 and 7.10");

    // 144 heads' patterns of 1,024 tokens would be 600 MB: the live view stops at 418 and says so.
    const box = page.getByTestId("text-input");
    await box.fill(Array(8).fill(SEED_TEXT).join(" "));
    await expect
      .poll(() => page.getByTestId("run-error").textContent(), { timeout: 30_000 })
      .toMatch(/the live view shows at most 418 on this model/);
    await box.fill(SEED_TEXT);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="run-status"]')?.getAttribute("data-state") === "ready",
      null,
      { timeout: 60_000 },
    );

    // 289 passes of the induction batch are not started on load: the panel offers them.
    await page.getByTestId("ablation-scores-start").waitFor({ timeout: 10_000 });

    // onnxruntime-web runs the model, or the page says why it cannot and the view runs on the kernels.
    await page.getByTestId("engine-select").selectOption("onnxruntime");
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="run-status"]')?.getAttribute("data-state") !== "running" &&
        (/^ort-web/.test(document.querySelector('[data-testid="run-engine"]')?.textContent ?? "") ||
          document.querySelector('[data-testid="engine-warning"]') !== null),
      null,
      { timeout: 180_000 },
    );
    const engine = (await page.getByTestId("run-engine").textContent()) ?? "";
    const warning = page.getByTestId("engine-warning");
    if (await warning.count()) {
      expect(await warning.textContent()).toMatch(/onnxruntime .*; ran on kernels/);
      expect(engine).not.toMatch(/^ort/);
    } else {
      expect(engine).toMatch(/^ort-web/);
    }
    timings.engineAfterOnnxruntimePicked = engine;
    await page.getByTestId("engine-select").selectOption("kernels");
    await page.close();
  });

  // Minutes of work on two cores: ATTNSCOPE_DEMO_GPT2_SLOW=1 runs them (in the cached page).
  it.runIf(!!process.env.ATTNSCOPE_DEMO_GPT2_SLOW)(
    "ablates a head and computes the circuit panel's K-composition, copying and positional scores",
    async () => {
      const page = await context.newPage();
      await openAndPick(page, "slow");
      let t0 = Date.now();
      await page.getByTestId("ablate-head-5.1").click();
      await page.getByTestId("ablated-loss").waitFor({ timeout: 600_000 });
      timings.ablateOneHeadMs = Date.now() - t0;
      saveTimings();
      t0 = Date.now();
      // Scrolled by the page itself: the 144 heads' clean and ablated views keep the layout moving for a while.
      await page.evaluate(() => document.getElementById("circuit")!.scrollIntoView());
      await page.getByTestId("circuit-top").waitFor({ timeout: 1_800_000 });
      timings.circuitWeightsMs = Date.now() - t0;
      saveTimings();
      expect(await page.getByTestId("composition-k-only").count()).toBe(1);
      // Logit attribution has a column for every MLP's output, through ln_final's scale.
      await page.getByTestId("logit-attribution").waitFor({ timeout: 1_800_000 });
      expect(await page.getByTestId("logit-attribution").textContent()).toMatch(/11_mlp_out/);
      await page.close();
    },
    3_600_000,
  );

  it("reads the model from the browser's cache on the next visit, without a request", async () => {
    const before = hub.served.length;
    const page = await context.newPage();
    await openAndPick(page, "cached");
    expect(hub.served.slice(before)).toEqual([]);
    expect(outside).toEqual([]);
    expect(Number(await page.getByTestId("token-count").getAttribute("data-count"))).toBe(seedTokenCount());
    await page.close();
  });
});
