/** The width of an element, followed as it resizes, so figures can size to their container. */
import { useEffect, useRef, useState } from "react";

export function useWidth<T extends HTMLElement>(fallback = 1000): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.floor(el.getBoundingClientRect().width));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/**
 * Thumbnail size for `perRow` head thumbnails in `width` px (each thumbnail adds 10 px of padding and
 * border, rows gap 6 px), so one layer keeps to one row when it can; between 20 and `max` px.
 */
export function thumbSize(width: number, perRow: number, max = 56): number {
  return Math.max(20, Math.min(max, Math.floor((width + 6) / perRow) - 16));
}
