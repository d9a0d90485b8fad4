import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { ColoredTokens, type ColoredTokensProps } from "./ColoredTokens.js";

export { ColoredTokens };
export type { ColoredTokensProps } from "./ColoredTokens.js";

/** Mount ColoredTokens into a plain DOM element. */
export function renderColoredTokens(element: Element, props: ColoredTokensProps): MountedComponent<ColoredTokensProps> {
  return mountComponent(ColoredTokens, element, props);
}
