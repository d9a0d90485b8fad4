/**
 * `../shared/fixtures/tl-gpt2-tiny`: a tiny Hugging Face GPT-2 checkpoint and what TransformerLens 2.14 makes
 * of it (see the fixtures README). `describeWithGpt2Fixture` skips, saying why, when it is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "vitest";
import { readSafetensors } from "../../src/weights/safetensors.js";
import type { StateDict } from "../../src/weights/state-dict.js";
import { sharedDir } from "./fixtures.js";

export const gpt2Dir = path.join(sharedDir, "fixtures", "tl-gpt2-tiny");
export const hasGpt2Fixture = existsSync(path.join(gpt2Dir, "goldens.json"));

export function gpt2Json(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(gpt2Dir, name), "utf8")) as Record<string, unknown>;
}

export function gpt2Tensors(name: string): StateDict {
  const b = readFileSync(path.join(gpt2Dir, name));
  return readSafetensors(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), name).tensors;
}

/**
 * Compares two state dicts key for key (same keys in any order, same shapes): floating tensors within
 * tol × max(1, |golden|) elementwise, others exactly. Returns the problems (empty = equal) and, per key, the
 * largest absolute and relative error.
 */
export function compareStateDicts(
  got: StateDict,
  golden: StateDict,
  tol = 1e-4,
): { problems: string[]; errors: Map<string, { abs: number; rel: number }> } {
  const problems: string[] = [];
  const errors = new Map<string, { abs: number; rel: number }>();
  const missing = [...golden.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !golden.has(k));
  if (missing.length) problems.push(`missing: ${missing.join(", ")}`);
  if (extra.length) problems.push(`unexpected: ${extra.join(", ")}`);
  for (const [key, g] of golden) {
    const t = got.get(key);
    if (!t) continue;
    if (t.shape.join() !== g.shape.join()) {
      problems.push(`${key}: shape [${t.shape}] vs [${g.shape}]`);
      continue;
    }
    let abs = 0,
      rel = 0,
      bad = -1;
    for (let i = 0; i < g.data.length; i++) {
      const e = Number(g.data[i]),
        v = Number(t.data[i]);
      if (!Number.isFinite(e)) {
        if (!Object.is(e, v)) bad = i;
        continue;
      }
      const err = Math.abs(v - e);
      if (!(err <= tol * Math.max(1, Math.abs(e))) && bad < 0) bad = i;
      if (err > abs) abs = err;
      if (err / Math.max(1e-30, Math.abs(e)) > rel && Math.abs(e) > 1e-6) rel = err / Math.abs(e);
    }
    errors.set(key, { abs, rel });
    if (bad >= 0) problems.push(`${key}[${bad}] = ${t.data[bad]}, golden ${g.data[bad]}`);
  }
  return { problems, errors };
}

export const describeWithGpt2Fixture: typeof describe = (
  hasGpt2Fixture
    ? describe
    : (name: string) =>
        describe.skip(`${name} (skipped: fixture not found at ${gpt2Dir})`, () => {
          it.skip("needs ../shared/fixtures/tl-gpt2-tiny", () => {});
        })
) as typeof describe;
