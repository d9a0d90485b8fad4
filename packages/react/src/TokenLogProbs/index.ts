import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { TokenLogProbs, type TokenLogProbsProps } from "./TokenLogProbs.js";

export { TokenLogProbs };
export type { TokenLogProbsProps } from "./TokenLogProbs.js";

/** Mount TokenLogProbs into a plain DOM element. */
export function renderTokenLogProbs(element: Element, props: TokenLogProbsProps): MountedComponent<TokenLogProbsProps> {
  return mountComponent(TokenLogProbs, element, props);
}
