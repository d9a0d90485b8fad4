import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { TopkSamples, type TopkSamplesProps } from "./TopkSamples.js";

export { TopkSamples };
export type { TopkSamplesProps } from "./TopkSamples.js";

/** Mount TopkSamples into a plain DOM element. */
export function renderTopkSamples(element: Element, props: TopkSamplesProps): MountedComponent<TopkSamplesProps> {
  return mountComponent(TopkSamples, element, props);
}
