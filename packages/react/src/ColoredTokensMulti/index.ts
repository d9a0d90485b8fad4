import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { ColoredTokensMulti, type ColoredTokensMultiProps } from "./ColoredTokensMulti.js";

export { ColoredTokensMulti };
export type { ColoredTokensMultiProps } from "./ColoredTokensMulti.js";

/** Mount ColoredTokensMulti into a plain DOM element. */
export function renderColoredTokensMulti(
  element: Element,
  props: ColoredTokensMultiProps,
): MountedComponent<ColoredTokensMultiProps> {
  return mountComponent(ColoredTokensMulti, element, props);
}
