import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { AttentionHeads, type AttentionHeadsProps } from "./AttentionHeads.js";

export { AttentionHeads };
export type { AttentionHeadsProps } from "./AttentionHeads.js";

/** Mount AttentionHeads into a plain DOM element. */
export function renderAttentionHeads(
  element: Element,
  props: AttentionHeadsProps,
): MountedComponent<AttentionHeadsProps> {
  return mountComponent(AttentionHeads, element, props);
}
