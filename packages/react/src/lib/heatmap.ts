/**
 * Heatmap painting: one pixel per cell (or per block of cells for very long sequences) written
 * straight into an ImageData buffer from the Float32Array, then scaled onto the visible canvas
 * with smoothing off. No per-cell DOM or per-cell fillRect.
 */
import type { AttentionTensor } from "./attention-data.js";
import { lutIndex, type ColorLUT, type RGB } from "./color-scales.js";

/** How to colour a pattern. */
export interface HeatmapStyle {
  scale: ColorLUT;
  /** Value mapped to the low end of the scale. */
  min: number;
  /** Value mapped to the high end of the scale. */
  max: number;
  /** Paint cells with key > query (the causal mask) in `maskColor`. */
  maskUpper: boolean;
  maskColor: RGB;
}

/** A painted heatmap: RGBA bytes, `width` = key cells, `height` = query cells (after pooling). */
export interface HeatmapPixels {
  width: number;
  height: number;
  /** Cells per pixel along each axis (1 = one pixel per cell). */
  block: number;
  rgba: Uint8ClampedArray;
}

/**
 * Paint `head` of `t`. When the pattern is larger than `maxPixels` along an axis, cells are
 * max-pooled into blocks so a single sharp attention spike (an induction stripe, a BOS column)
 * stays visible instead of being averaged away by the browser's downscaling.
 */
export function paintHeatmap(t: AttentionTensor, head: number, style: HeatmapStyle, maxPixels = 1024): HeatmapPixels {
  const { queries: Q, keys: K } = t;
  const block = Math.max(1, Math.ceil(Math.max(Q, K) / maxPixels));
  const width = Math.ceil(K / block);
  const height = Math.ceil(Q / block);
  const rgba = new Uint8ClampedArray(width * height * 4);
  const lut = style.scale.rgb;
  const { min, max, maskUpper } = style;
  const [mr, mg, mb] = style.maskColor;
  const base = head * Q * K;
  const data = t.data;

  if (block === 1) {
    // Fast path: one pixel per cell.
    let p = 0;
    for (let q = 0; q < Q; q++) {
      const row = base + q * K;
      for (let k = 0; k < K; k++, p += 4) {
        if (maskUpper && k > q) {
          rgba[p] = mr;
          rgba[p + 1] = mg;
          rgba[p + 2] = mb;
          rgba[p + 3] = 255;
          continue;
        }
        const i = lutIndex(data[row + k]!, min, max) * 3;
        rgba[p] = lut[i]!;
        rgba[p + 1] = lut[i + 1]!;
        rgba[p + 2] = lut[i + 2]!;
        rgba[p + 3] = 255;
      }
    }
    return { width, height, block, rgba };
  }

  // Pooled path: keep the largest unmasked value of each block; -Infinity marks all-masked blocks.
  const pooled = new Float32Array(width * height).fill(-Infinity);
  for (let q = 0; q < Q; q++) {
    const row = base + q * K;
    const out = ((q / block) | 0) * width;
    const kEnd = maskUpper ? Math.min(K, q + 1) : K;
    for (let k = 0; k < kEnd; k++) {
      const v = data[row + k]!;
      const o = out + ((k / block) | 0);
      if (v > pooled[o]!) pooled[o] = v;
    }
  }
  for (let i = 0, p = 0; i < pooled.length; i++, p += 4) {
    const v = pooled[i]!;
    if (v === -Infinity) {
      rgba[p] = mr;
      rgba[p + 1] = mg;
      rgba[p + 2] = mb;
    } else {
      const j = lutIndex(v, min, max) * 3;
      rgba[p] = lut[j]!;
      rgba[p + 1] = lut[j + 1]!;
      rgba[p + 2] = lut[j + 2]!;
    }
    rgba[p + 3] = 255;
  }
  return { width, height, block, rgba };
}

type Bitmap = HTMLCanvasElement;

// Painted heads, per tensor (dropped with the tensor) and per style/resolution.
const bitmaps = new WeakMap<AttentionTensor, Map<string, Bitmap>>();
// Bound the memory held by cached full-resolution bitmaps of very long sequences.
const MAX_CACHED_PER_TENSOR = 48;

function styleKey(head: number, s: HeatmapStyle, maxPixels: number): string {
  return `${head}|${s.scale.name}|${s.min}|${s.max}|${s.maskUpper ? 1 : 0}|${s.maskColor.join(",")}|${maxPixels}`;
}

/**
 * A canvas holding the painted head at (pooled) cell resolution, cached so switching heads or
 * re-rendering never repaints. Browser only.
 */
export function heatmapBitmap(t: AttentionTensor, head: number, style: HeatmapStyle, maxPixels = 1024): Bitmap {
  let perTensor = bitmaps.get(t);
  if (!perTensor) bitmaps.set(t, (perTensor = new Map()));
  const key = styleKey(head, style, maxPixels);
  const hit = perTensor.get(key);
  if (hit) {
    // Refresh recency for the small LRU.
    perTensor.delete(key);
    perTensor.set(key, hit);
    return hit;
  }
  const px = paintHeatmap(t, head, style, maxPixels);
  const canvas = document.createElement("canvas");
  canvas.width = px.width;
  canvas.height = px.height;
  const ctx = canvas.getContext("2d");
  if (ctx) ctx.putImageData(new ImageData(px.rgba as Uint8ClampedArray<ArrayBuffer>, px.width, px.height), 0, 0);
  perTensor.set(key, canvas);
  if (perTensor.size > MAX_CACHED_PER_TENSOR) perTensor.delete(perTensor.keys().next().value!);
  return canvas;
}

/** Whether a bitmap for this head/style is already cached (used to schedule thumbnail work). */
export function hasHeatmapBitmap(t: AttentionTensor, head: number, style: HeatmapStyle, maxPixels = 1024): boolean {
  return bitmaps.get(t)?.has(styleKey(head, style, maxPixels)) ?? false;
}
