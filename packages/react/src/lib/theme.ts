/**
 * Light and dark palettes. Components follow the reader's `prefers-color-scheme` unless a
 * `theme` prop pins one; all styling is inline, so nothing leaks into the host page.
 */
import { useSyncExternalStore } from "react";
import type { RGB } from "./color-scales.js";

/** A resolved palette. Pass a partial one through `theme` to restyle a component. */
export interface Theme {
  name: "light" | "dark";
  /** Component background. */
  background: string;
  /** Panels, tooltips, buttons. */
  surface: string;
  /** Body text. */
  text: string;
  /** Secondary text (axis labels, captions). */
  muted: string;
  /** Lines and outlines. */
  border: string;
  /** Highlight colour for the hovered/locked token and selected head. */
  accent: string;
  /** Token highlight colour as RGB; token backgrounds use it with opacity = attention. */
  tokenHighlight: RGB;
  /** Colour of masked cells (above the causal diagonal). */
  mask: RGB;
  /** Font stack. */
  font: string;
}

export const lightTheme: Theme = {
  name: "light",
  background: "#ffffff",
  surface: "#f3f4f6",
  text: "#1f2328",
  muted: "#59636e",
  border: "#d0d7de",
  accent: "#0969da",
  tokenHighlight: [9, 105, 218],
  mask: [236, 238, 241],
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
};

export const darkTheme: Theme = {
  name: "dark",
  background: "#0d1117",
  surface: "#161b22",
  text: "#e6edf3",
  muted: "#9198a1",
  border: "#3d444d",
  accent: "#ffa657",
  tokenHighlight: [255, 166, 87],
  mask: [22, 27, 34],
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
};

/** `"auto"` follows prefers-color-scheme; a partial Theme overrides the matching built-in one. */
export type ThemeProp = "auto" | "light" | "dark" | (Partial<Theme> & { name?: "light" | "dark" });

const QUERY = "(prefers-color-scheme: dark)";

function subscribe(onChange: () => void): () => void {
  if (typeof window === "undefined" || !window.matchMedia) return () => {};
  const mq = window.matchMedia(QUERY);
  mq.addEventListener?.("change", onChange);
  return () => mq.removeEventListener?.("change", onChange);
}

function prefersDark(): boolean {
  return typeof window !== "undefined" && !!window.matchMedia && window.matchMedia(QUERY).matches;
}

/** Resolve a `theme` prop to a full palette, following the OS setting for "auto" (light on the server). */
export function useTheme(theme: ThemeProp | undefined): Theme {
  const dark = useSyncExternalStore(subscribe, prefersDark, () => false);
  return resolveTheme(theme, dark);
}

/** Pure form of useTheme, for non-React callers and export code. */
export function resolveTheme(theme: ThemeProp | undefined, systemDark = false): Theme {
  if (theme === "light") return lightTheme;
  if (theme === "dark") return darkTheme;
  if (theme === undefined || theme === "auto") return systemDark ? darkTheme : lightTheme;
  const base = theme.name === "dark" || (theme.name === undefined && systemDark) ? darkTheme : lightTheme;
  return { ...base, ...theme } as Theme;
}
