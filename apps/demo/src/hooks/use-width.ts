/** The width of an element, followed as it resizes, so figures can size to their container. */
import { useCallback, useEffect, useState } from "react";

/**
 * A callback ref and the width of the element it is attached to (`fallback` until measured). A callback
 * ref, so an element that appears later (once a result is there) is measured too.
 */
export function useWidth<T extends HTMLElement>(fallback = 1000): [(el: T | null) => void, number] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(fallback);
  const ref = useCallback((node: T | null) => setEl(node), []);
  useEffect(() => {
    if (!el) return;
    const measure = () => setWidth(Math.floor(el.getBoundingClientRect().width));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return [ref, width];
}

/**
 * Thumbnail size for `perRow` head thumbnails in `width` px, so one layer keeps to one row when it can;
 * between 20 and `max` px. Measured in Chromium: a thumbnail is its size + 15 px (padding, borders, the
 * canvas's frame), and thumbnails are 6 px apart.
 */
export function thumbSize(width: number, perRow: number, max = 56): number {
  return Math.max(20, Math.min(max, Math.floor((width + 6) / perRow) - 22));
}

/**
 * The large heatmap's size in `width` px: the kit adds about 90 px around it, the axis-title band (16 px),
 * the colour bar with its title (about 70 px) and margins.
 */
export function heatmapSize(width: number, max: number): number {
  return Math.max(160, Math.min(max, width - 92));
}
