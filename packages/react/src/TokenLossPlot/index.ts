import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { TokenLossPlot, type TokenLossPlotProps } from "./TokenLossPlot.js";

export { TokenLossPlot, detectRepeatStart } from "./TokenLossPlot.js";
export type { TokenLossPlotProps } from "./TokenLossPlot.js";

/** Mount TokenLossPlot into a plain DOM element. */
export function renderTokenLossPlot(element: Element, props: TokenLossPlotProps): MountedComponent<TokenLossPlotProps> {
  return mountComponent(TokenLossPlot, element, props);
}
