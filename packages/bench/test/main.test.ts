// The benchmark's command line, on what needs no model: bad options are refused by name, and saved results
// (also ones written before the spread was recorded) render.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const lastRun = fileURLToPath(new URL("../last-run.json", import.meta.url));
const run = (...args: string[]) => promisify(execFile)(process.execPath, [main, ...args]);

describe("npm run bench's options", () => {
  it.each([
    [["--repeat", "0"], /--repeat: expected integers 1…100, got "0"/],
    [["--threads", "1,x"], /--threads: expected integers 1…64, got "x"/],
    [
      ["--engines", "kernels,tvm"],
      /--engines: unknown engine "tvm" \(known: kernels, ts, ort-web, ort-node, ort-webgpu\)/,
    ],
    [["--fast"], /unknown option --fast/],
  ])("%j is refused", async (args, message) => {
    await expect(run(...args)).rejects.toMatchObject({ stderr: expect.stringMatching(message) });
  });

  it("--from a GPT-2 small run: peak RSS per engine against its 652 MB of weights", async () => {
    const { stdout } = await run("--from", fileURLToPath(new URL("../gpt2-small-run.json", import.meta.url)));
    expect(stdout).toMatch(
      /\npeak RSS per engine \(weights 652 MB\): kernels-simd \d+ MB \(weights \+ \d+\), ort-web wasm/,
    );
  });

  it("--from renders saved results, with – for a spread an older file lacks", async () => {
    const { stdout } = await run("--from", lastRun);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^engine\s+thr\s+T\s+mode\s+p10 ms\s+p50 ms\s+p90 ms\s+slow\s+min/);
    const patterns = lines.find((l) => /^kernels-simd\s+1\s+62\s+patterns/.test(l))!;
    expect(patterns).toMatch(/\s–\s+11\.45\s+–\s+–\s/);
    expect(stdout).toMatch(
      /\nkernels vs ort-web \(their median ÷ the kernels'; CPU ms likewise\): patterns T=62 x1: [\d.]+× \(CPU [\d.]+×\)/,
    );
    const md = (await run("--from", lastRun, "--markdown")).stdout;
    expect(md).toContain("| 62 | patterns | 11.5 (11.5) |");
  });
});
