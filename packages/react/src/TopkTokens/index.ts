import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { TopkTokens, type TopkTokensProps } from "./TopkTokens.js";

export { TopkTokens };
export type { TopkTokensProps } from "./TopkTokens.js";

/** Mount TopkTokens into a plain DOM element. */
export function renderTopkTokens(element: Element, props: TopkTokensProps): MountedComponent<TopkTokensProps> {
  return mountComponent(TopkTokens, element, props);
}
