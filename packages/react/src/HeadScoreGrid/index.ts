import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { HeadScoreGrid, type HeadScoreGridProps } from "./HeadScoreGrid.js";

export { HeadScoreGrid };
export type { HeadScoreGridProps, HeadRef } from "./HeadScoreGrid.js";

/** Mount HeadScoreGrid into a plain DOM element. */
export function renderHeadScoreGrid(element: Element, props: HeadScoreGridProps): MountedComponent<HeadScoreGridProps> {
  return mountComponent(HeadScoreGrid, element, props);
}
