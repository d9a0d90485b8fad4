import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { CompositionScores, type CompositionScoresProps } from "./CompositionScores.js";

export { CompositionScores };
export type { CompositionScoresProps, CompositionMode, CompositionTensor, HeadPair } from "./CompositionScores.js";

/** Mount CompositionScores into a plain DOM element. */
export function renderCompositionScores(
  element: Element,
  props: CompositionScoresProps,
): MountedComponent<CompositionScoresProps> {
  return mountComponent(CompositionScores, element, props);
}
