import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { AttentionPattern, type AttentionPatternProps } from "./AttentionPattern.js";

export { AttentionPattern };
export type { AttentionPatternProps, PatternCell } from "./AttentionPattern.js";

/** Mount AttentionPattern into a plain DOM element. */
export function renderAttentionPattern(
  element: Element,
  props: AttentionPatternProps,
): MountedComponent<AttentionPatternProps> {
  return mountComponent(AttentionPattern, element, props);
}
