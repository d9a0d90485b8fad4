import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { AttentionPatterns, type AttentionPatternsProps } from "./AttentionPatterns.js";

export { AttentionPatterns };
export type { AttentionPatternsProps, AttentionDirection, TokenRef } from "./AttentionPatterns.js";

/** Mount AttentionPatterns into a plain DOM element (no React code needed on the page). */
export function renderAttentionPatterns(
  element: Element,
  props: AttentionPatternsProps,
): MountedComponent<AttentionPatternsProps> {
  return mountComponent(AttentionPatterns, element, props);
}
