import { mountComponent, type MountedComponent } from "../lib/plain-render.js";
import { TextNeuronActivations, type TextNeuronActivationsProps } from "./TextNeuronActivations.js";

export { TextNeuronActivations };
export type { TextNeuronActivationsProps } from "./TextNeuronActivations.js";

/** Mount TextNeuronActivations into a plain DOM element. */
export function renderTextNeuronActivations(
  element: Element,
  props: TextNeuronActivationsProps,
): MountedComponent<TextNeuronActivationsProps> {
  return mountComponent(TextNeuronActivations, element, props);
}
